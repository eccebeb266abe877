"""Discussions in the core: numbering, timeline events, filters and who may do what."""

from __future__ import annotations

import pytest

from aicommons.community import discussions as d
from aicommons.community.repo_settings import update_settings
from aicommons.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from aicommons.accounts.principal import ANONYMOUS
from aicommons.repos.commit import AddFile, commit
from tests.community.helpers import new_repo, signature


@pytest.fixture
def repo(hub, alice):
    return new_repo(hub, alice, "alice/model", {"README.md": b"# model\n"})


def test_open_comment_edit_hide_rename_close_reopen(hub, alice, bob, repo):
    as_bob, as_alice = bob.principal(hub), alice.principal(hub)
    opened = d.create_discussion(hub, as_bob, repo, "  Typo in the card  ", "The card says *modle*.")
    assert (opened.number, opened.title, opened.status, opened.author) == (1, "Typo in the card", "open", "bob")
    assert [e.type for e in opened.events] == ["comment"] and opened.events[0].data["raw"] == "The card says *modle*."

    reply = d.add_comment(hub, as_alice, repo, 1, "Thanks, fixing it.")
    edited = d.edit_comment(hub, as_alice, repo, 1, reply.id.upper(), "Thanks, fixed.")
    assert edited.data["edited"] and edited.data["raw"] == "Thanks, fixed." and len(edited.data["history"]) == 2
    with pytest.raises(Forbidden):  # bob neither wrote it nor maintains the repo
        d.edit_comment(hub, as_bob, repo, 1, reply.id, "hijacked")
    hidden = d.hide_comment(hub, as_alice, repo, 1, reply.id)
    assert hidden.data["hidden"] and hidden.data["raw"] == "" and hidden.data["history"] == []
    with pytest.raises(InvalidInput):
        d.edit_comment(hub, as_alice, repo, 1, reply.id, "back")

    renamed = d.rename(hub, as_bob, repo, 1, "Typo in the model card")
    assert renamed.data == {"from": "Typo in the card", "to": "Typo in the model card"}
    d.change_status(hub, as_alice, repo, 1, "closed", comment="Fixed in main.")
    with pytest.raises(InvalidInput):
        d.change_status(hub, as_alice, repo, 1, "closed")
    d.change_status(hub, as_bob, repo, 1, "open")
    final = d.get_discussion(hub, as_bob, repo, 1)
    assert final.title == "Typo in the model card" and final.status == "open"
    assert [e.type for e in final.events] == ["comment", "comment", "title-change", "comment", "status-change",
                                              "status-change"]
    assert [e.data.get("status") for e in final.events if e.type == "status-change"] == ["closed", "open"]


def test_numbers_are_shared_with_pull_requests_opened_by_commits(hub, alice, bob, repo):
    d.create_discussion(hub, bob.principal(hub), repo, "A question")
    result = commit(hub, repo, [AddFile("fix.txt", b"fix")], author=signature(alice), message="Fix things\n\nDetails",
                    create_pr=True)
    assert (result.pr_number, result.ref) == (2, "refs/pr/2")
    assert d.create_discussion(hub, bob.principal(hub), repo, "Another").number == 3
    pr = d.get_discussion(hub, bob.principal(hub), repo, 2)
    assert pr.is_pull_request and pr.status == "open" and pr.title == "Fix things" and pr.author == "alice"
    assert [(e.type, e.data.get("oid") or e.data.get("raw")) for e in pr.events] == [("comment", "Details"),
                                                                                  ("commit", result.oid)]


def test_listing_filters_and_pages(hub, alice, bob, repo):
    for n in range(5):
        d.create_discussion(hub, (alice if n % 2 else bob).principal(hub), repo, f"Discussion {n}")
    commit(hub, repo, [AddFile("x", b"x")], author=signature(alice), message="PR", create_pr=True)
    d.change_status(hub, alice.principal(hub), repo, 1, "closed")
    everyone = ANONYMOUS
    page, total = d.list_discussions(hub, everyone, repo, offset=0, limit=4)
    assert total == 6 and [v.number for v in page] == [6, 5, 4, 3]
    page, _ = d.list_discussions(hub, everyone, repo, offset=4, limit=4)
    assert [v.number for v in page] == [2, 1]
    assert [v.number for v in d.list_discussions(hub, everyone, repo, kind="pull_request")[0]] == [6]
    assert d.list_discussions(hub, everyone, repo, kind="discussion")[1] == 5
    assert [v.number for v in d.list_discussions(hub, everyone, repo, status="closed")[0]] == [1]
    assert [v.number for v in d.list_discussions(hub, everyone, repo, author="alice")[0]] == [6, 4, 2]
    assert d.list_discussions(hub, everyone, repo, author="nobody") == ([], 0)
    with pytest.raises(InvalidInput):
        d.list_discussions(hub, everyone, repo, status="merged")


def test_rules(hub, alice, bob, carol, repo):
    as_bob = bob.principal(hub)
    with pytest.raises(InvalidInput):
        d.create_discussion(hub, as_bob, repo, "ab")
    with pytest.raises(Unauthorized):
        d.create_discussion(hub, ANONYMOUS, repo, "Anonymous question")
    with pytest.raises(NotFound):
        d.get_discussion(hub, as_bob, repo, 42)
    d.create_discussion(hub, as_bob, repo, "Bob's question")
    with pytest.raises(Forbidden):  # only the author or a maintainer renames or closes
        d.rename(hub, carol.principal(hub), repo, 1, "Carol now")
    update_settings(hub, alice.principal(hub), repo, discussions_disabled=True)
    with pytest.raises(Forbidden):
        d.create_discussion(hub, as_bob, repo, "Still there?")
    assert d.create_discussion(hub, alice.principal(hub), repo, "Maintainers still can").number == 2
    with pytest.raises(InvalidInput):
        d.add_comment(hub, as_bob, repo, 1, "   ")



def test_concurrent_discussions_and_pull_requests_get_distinct_numbers(hub, alice, bob, repo):
    from concurrent.futures import ThreadPoolExecutor

    def open_one(n: int) -> int:
        if n % 2:
            return commit(hub, repo, [AddFile(f"f{n}.txt", b"x")], author=signature(alice), message=f"PR {n}",
                          create_pr=True).pr_number
        return d.create_discussion(hub, bob.principal(hub), repo, f"Question {n}").number

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(open_one, range(12)))
    assert sorted(numbers) == list(range(1, 13))
