"""Pull requests in the core: refs, commit events, diffs, three-way merges through the one write path."""

from __future__ import annotations

import pytest

from aicommons.community import discussions as d, pulls
from aicommons.community.diffs import three_way
from aicommons.errors import Conflict, Forbidden, InvalidInput
from aicommons.repos.commit import AddFile, DeleteFile, commit
from aicommons.repos.objects import FileEntry
from aicommons.repos.reading import history, snapshot
from tests.community.helpers import new_repo, signature, text_at

CARD = b"---\nlicense: mit\n---\n# model\n"


@pytest.fixture
def repo(hub, alice):
    return new_repo(hub, alice, "alice/model", {"README.md": CARD, "config.json": b'{"a": 1}\n',
                                                "notes.txt": b"one\ntwo\nthree\n"})


def test_open_commit_publish_and_merge(hub, alice, bob, repo):
    as_bob, as_alice = bob.principal(hub), alice.principal(hub)
    start = snapshot(hub, repo, "main").commit_oid
    pr = pulls.open_pull_request(hub, as_bob, repo, "Better notes", "Adds a line")
    assert (pr.number, pr.status, pr.git_reference, pr.base_ref) == (1, "draft", "refs/pr/1", "refs/heads/main")
    assert snapshot(hub, repo, "refs/pr/1").commit_oid == start  # the ref exists at once, at main's head

    first = commit(hub, repo, [AddFile("notes.txt", b"one\ntwo\nthree\nfour\n"), DeleteFile("config.json")],
                   author=signature(bob), message="Add a fourth line", revision="refs/pr/1")
    second = commit(hub, repo, [AddFile("new.md", b"hello\n")], author=signature(bob), message="And a file",
                    revision="refs/pr/1")
    view = d.get_discussion(hub, as_bob, repo, 1)
    assert [(e.type, e.data.get("oid")) for e in view.events if e.type == "commit"] == [("commit", first.oid),
                                                                                      ("commit", second.oid)]
    found = pulls.changes(hub, repo, view)
    assert found.changed == ("config.json", "new.md", "notes.txt") and found.conflicts == ()
    text = pulls.diff_text(hub, found)
    assert "diff --git a/notes.txt b/notes.txt" in text and "+four\n" in text
    assert "deleted file mode 100644" in text and "new file mode 100644" in text
    assert [c.oid for c in pulls.commits(hub, repo, view, found.head_oid)] == [second.oid, first.oid]

    with pytest.raises(InvalidInput):  # drafts are published first
        pulls.merge(hub, as_alice, repo, 1, signature(alice))
    d.change_status(hub, as_bob, repo, 1, "open")
    with pytest.raises(Forbidden):  # merging needs write rights
        pulls.merge(hub, as_bob, repo, 1, signature(bob))
    # main moved meanwhile, elsewhere: the merge keeps that change too
    commit(hub, repo, [AddFile("README.md", CARD + b"More.\n")], author=signature(alice), message="Card")
    merged = pulls.merge(hub, as_alice, repo, 1, signature(alice), comment="Thanks!")
    assert merged.status == "merged" and merged.merge_commit_oid == snapshot(hub, repo, "main").commit_oid
    files = snapshot(hub, repo, "main").files
    assert "config.json" not in files and text_at(hub, repo, "new.md") == "hello\n"
    assert text_at(hub, repo, "notes.txt").endswith("four\n") and text_at(hub, repo, "README.md").endswith("More.\n")
    assert history(hub, repo, merged.merge_commit_oid, limit=1)[0].message == "Merge pull request #1: Better notes"
    assert [e.type for e in merged.events][-2:] == ["comment", "status-change"]
    with pytest.raises(Conflict):
        pulls.merge(hub, as_alice, repo, 1, signature(alice))
    assert snapshot(hub, repo, "refs/pr/1").commit_oid == second.oid  # the ref stays


def test_conflicts_are_reported_and_nothing_is_merged(hub, alice, repo):
    as_alice = alice.principal(hub)
    pr = commit(hub, repo, [AddFile("notes.txt", b"mine\n"), AddFile("extra.txt", b"x")], author=signature(alice),
                message="Change notes", create_pr=True)
    commit(hub, repo, [AddFile("notes.txt", b"theirs\n")], author=signature(alice), message="Change notes on main")
    view = d.get_discussion(hub, as_alice, repo, pr.pr_number)
    assert pulls.changes(hub, repo, view).conflicts == ("notes.txt",)
    head = snapshot(hub, repo, "main").commit_oid
    with pytest.raises(pulls.MergeConflict) as error:
        pulls.merge(hub, as_alice, repo, pr.pr_number, signature(alice))
    assert error.value.paths == ("notes.txt",) and snapshot(hub, repo, "main").commit_oid == head
    assert d.get_discussion(hub, as_alice, repo, pr.pr_number).status == "open"


def test_create_pr_from_a_parent_commit_and_rules(hub, alice, repo):
    old = snapshot(hub, repo, "main").commit_oid
    commit(hub, repo, [AddFile("later.txt", b"later")], author=signature(alice), message="later")
    result = commit(hub, repo, [AddFile("fix.txt", b"fix")], author=signature(alice), message="Fix",
                    create_pr=True, parent_commit=old)
    assert set(snapshot(hub, repo, result.ref).files) == {".gitattributes", "README.md", "config.json", "notes.txt",
                                                          "fix.txt"}
    view = d.get_discussion(hub, alice.principal(hub), repo, result.pr_number)
    assert view.start_oid == old and pulls.changes(hub, repo, view).changed == ("fix.txt",)
    plain = d.create_discussion(hub, alice.principal(hub), repo, "Not a PR")
    with pytest.raises(InvalidInput):
        pulls.merge(hub, alice.principal(hub), repo, plain.number, signature(alice))


def test_three_way_merge_at_file_level():
    a, b, c = (FileEntry(ch * 64, 1, ch * 40, False) for ch in "abc")
    base = {"same": a, "ours": a, "theirs": a, "both-same": a, "both-diff": a, "deleted-theirs": a, "gone": a,
            "edit-vs-delete": a}
    ours = {"same": a, "ours": b, "theirs": a, "both-same": b, "both-diff": b, "deleted-theirs": a, "added": c,
            "edit-vs-delete": b}
    theirs = {"same": a, "ours": a, "theirs": c, "both-same": b, "both-diff": c, "new": b}
    merged = three_way(base, ours, theirs)
    assert merged.conflicts == ("both-diff", "edit-vs-delete") and "gone" not in merged.files
    assert merged.files["ours"] == b and merged.files["theirs"] == c and merged.files["both-same"] == b
    assert "deleted-theirs" not in merged.files and merged.files["new"] == b and merged.files["added"] == c
