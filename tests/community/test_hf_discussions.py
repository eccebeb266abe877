"""Discussions and pull requests through the real huggingface_hub client (reference cases 1-13)."""

from __future__ import annotations

import re

import pytest
from huggingface_hub import CommitOperationAdd, constants
from huggingface_hub.errors import BadRequestError, HfHubHTTPError, RevisionNotFoundError

from aicommons.community import discussions
from aicommons.repos.manage import find_repo
from tests.community.client import api, http, publish

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_discussion_lifecycle(server, alice, bob):
    hf, as_bob = api(server, alice), api(server, bob)
    publish(hf, "alice/model", {"README.md": b"# model\n"})
    opened = as_bob.create_discussion("alice/model", "  A question  ", description="How was it trained?")
    assert (opened.num, opened.status, opened.title, opened.author) == (1, "open", "A question", "bob")
    assert [e.content for e in opened.events] == ["How was it trained?"] and opened.url.endswith("/discussions/1")
    with http(server) as anonymous:
        raw = anonymous.get("/api/models/alice/model/discussions/1").json()
    assert ISO_Z.match(raw["createdAt"]) and all(ISO_Z.match(e["createdAt"]) for e in raw["events"])

    reply = hf.comment_discussion("alice/model", 1, "On the standard library.")
    assert [e.id for e in hf.get_discussion_details("alice/model", 1).events][-1] == reply.id
    edited = hf.edit_discussion_comment("alice/model", 1, reply.id.upper(), "On Python's standard library.")
    assert edited.edited and edited.content == "On Python's standard library."
    assert len(edited._event["data"]["history"]) == 2
    with pytest.warns(UserWarning, match="irreversible"):
        hidden = hf.hide_discussion_comment("alice/model", 1, reply.id)
    assert hidden.hidden and hidden.content == ""
    renamed = as_bob.rename_discussion("alice/model", 1, "Training data?")
    assert (renamed.old_title, renamed.new_title) == ("A question", "Training data?")
    closed = hf.change_discussion_status("alice/model", 1, "closed", comment="Answered.")
    assert closed.new_status == "closed"
    assert as_bob.change_discussion_status("alice/model", 1, "open").new_status == "open"
    details = as_bob.get_discussion_details("alice/model", 1)
    assert details.title == "Training data?" and details.status == "open"
    assert [e.type for e in details.events] == ["comment", "comment", "title-change", "comment", "status-change",
                                                "status-change"]
    with pytest.raises(HfHubHTTPError) as denied:  # bob neither wrote it nor maintains the repo
        as_bob.edit_discussion_comment("alice/model", 1, details.events[3].id, "mine now")
    assert denied.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as missing:
        hf.get_discussion_details("alice/model", 99)
    assert missing.value.response.status_code == 404
    with pytest.raises(BadRequestError):
        hf.create_discussion("alice/model", "no")


def test_listing_filters_and_pages(server, alice, bob):
    hf, as_bob = api(server, alice), api(server, bob)
    publish(hf, "alice/model", {"README.md": b"# model\n"})
    repo = find_repo(server.hub, "model", "alice/model")
    for n in range(53):  # more than one page of 50
        discussions.create_discussion(server.hub, (alice if n % 2 else bob).principal(server.hub), repo, f"Topic {n}")
    hf.create_pull_request("alice/model", "A draft")
    hf.change_discussion_status("alice/model", 1, "closed")
    everything = list(as_bob.get_repo_discussions("alice/model"))
    assert [d.num for d in everything] == list(range(54, 0, -1))  # each once, newest first, across pages
    assert [d.num for d in hf.get_repo_discussions("alice/model", discussion_type="pull_request")] == [54]
    assert 54 in [d.num for d in hf.get_repo_discussions("alice/model", discussion_status="open")]  # drafts are open
    assert [d.num for d in hf.get_repo_discussions("alice/model", discussion_status="closed")] == [1]
    by_bob = list(hf.get_repo_discussions("alice/model", author="bob", discussion_type="discussion"))
    assert len(by_bob) == 27 and all(d.author == "bob" for d in by_bob)


def test_pull_request_lifecycle(server, alice, bob, tmp_path):
    hf, as_bob = api(server, alice), api(server, bob)
    publish(hf, "alice/model", {"README.md": b"# model\n", "notes.txt": b"one\n"})
    head = hf.model_info("alice/model").sha
    discussions.create_discussion(server.hub, bob.principal(server.hub), find_repo(server.hub, "model", "alice/model"),
                                  "Numbers are shared")
    pr = as_bob.create_pull_request("alice/model", "Better notes", description="Adds a line")
    assert (pr.num, pr.status, pr.git_reference, pr.target_branch, pr.conflicting_files) == (
        2, "draft", "refs/pr/2", "refs/heads/main", [])
    assert hf.model_info("alice/model", revision="refs/pr/2").sha == head
    refs = hf.list_repo_refs("alice/model", include_pull_requests=True)
    assert [(r.ref, r.target_commit) for r in refs.pull_requests] == [("refs/pr/2", head)]

    hf.upload_file(path_or_fileobj=b"one\ntwo\n", path_in_repo="notes.txt", repo_id="alice/model",
                   revision="refs/pr/2", commit_message="Add a second line")
    details = hf.get_discussion_details("alice/model", 2)
    [commit_event] = [e for e in details.events if e.type == "commit"]
    assert commit_event.summary == "Add a second line"
    assert hf.list_repo_commits("alice/model", revision="refs/pr/2")[0].commit_id == commit_event.oid
    assert "+two" in details.diff and "diff --git a/notes.txt b/notes.txt" in details.diff

    with pytest.raises(HfHubHTTPError):  # a draft cannot be merged
        hf.merge_pull_request("alice/model", 2)
    hf.change_discussion_status("alice/model", 2, "open")
    with pytest.raises(HfHubHTTPError) as denied:
        as_bob.merge_pull_request("alice/model", 2)
    assert denied.value.response.status_code == 403
    hf.merge_pull_request("alice/model", 2)
    merged = hf.get_discussion_details("alice/model", 2)
    assert merged.status == "merged" and merged.merge_commit_oid == hf.model_info("alice/model").sha
    downloaded = hf.hf_hub_download("alice/model", "notes.txt", cache_dir=tmp_path / "cache")
    assert open(downloaded).read() == "one\ntwo\n"


def test_conflicting_pull_request(server, alice):
    hf = api(server, alice)
    publish(hf, "alice/model", {"notes.txt": b"one\n"})
    pr = hf.create_commit("alice/model", [CommitOperationAdd("notes.txt", b"mine\n")], commit_message="Mine",
                          create_pr=True)
    hf.upload_file(path_or_fileobj=b"theirs\n", path_in_repo="notes.txt", repo_id="alice/model")
    head = hf.model_info("alice/model").sha
    assert hf.get_discussion_details("alice/model", pr.pr_num).conflicting_files == ["notes.txt"]
    with pytest.raises(HfHubHTTPError) as conflict:
        hf.merge_pull_request("alice/model", pr.pr_num)
    assert conflict.value.response.status_code == 409 and "notes.txt" in str(conflict.value)
    assert hf.model_info("alice/model").sha == head


def test_pull_requests_opened_by_commits(server, alice, tmp_path, monkeypatch):
    hf = api(server, alice)
    publish(hf, "alice/model", {"README.md": b"# model\n"})
    head = hf.model_info("alice/model").sha
    result = hf.create_commit("alice/model", [CommitOperationAdd("a.txt", b"a")], commit_message="Add a",
                              commit_description="Why: tests", create_pr=True)
    assert result.pr_url.endswith("/discussions/1") and (result.pr_revision, result.pr_num) == ("refs/pr/1", 1)
    assert hf.model_info("alice/model").sha == head  # main is unchanged
    pr = hf.get_discussion_details("alice/model", 1)
    assert (pr.status, pr.title, pr.is_pull_request) == ("open", "Add a", True)
    assert [e.type for e in pr.events] == ["comment", "commit"] and pr.events[0].content == "Why: tests"
    with pytest.raises(RevisionNotFoundError):  # a commit id is not a branch to open a PR against
        hf.create_commit("alice/model", [CommitOperationAdd("b.txt", b"b")], commit_message="b", revision=head,
                         create_pr=True)

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "notes.md").write_text("notes")
    for disable_xet, expected_number in ((False, 2), (True, 3)):  # the pipelined (hf_xet) and the classic paths
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", disable_xet)
        (folder / "notes.md").write_text(f"notes {expected_number}")
        info = hf.upload_folder(folder_path=folder, repo_id="alice/model", create_pr=True,
                                commit_message=f"Upload {expected_number}")
        assert info.pr_num == expected_number
        files = hf.list_repo_files("alice/model", revision=f"refs/pr/{expected_number}")
        assert {"config.json", "notes.md"} <= set(files)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    hf.upload_file(path_or_fileobj=folder / "config.json", path_in_repo="config.json", repo_id="alice/model")
    hf.upload_file(path_or_fileobj=folder / "notes.md", path_in_repo="notes.md", repo_id="alice/model")
    hf.upload_folder(folder_path=folder, repo_id="alice/model", create_pr=True, commit_message="Nothing new")
    assert [d.num for d in hf.get_repo_discussions("alice/model")] == [3, 2, 1]  # an unchanged folder opens no PR
