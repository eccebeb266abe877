"""Repo settings and moves in the core: who may change them, and the redirects a move leaves."""

from __future__ import annotations

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.community.repo_settings import move_repo, redirect_target, update_settings
from aicommons.errors import Conflict, Forbidden, RepoNotFound
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from tests.community.helpers import new_repo
from tests.conftest import make_org


def test_settings(hub, alice, bob):
    repo = new_repo(hub, alice, "alice/model")
    with pytest.raises(Forbidden):
        update_settings(hub, bob.principal(hub), repo, private=True)
    result = update_settings(hub, alice.principal(hub), repo, private=True, gated="auto", discussions_disabled=True)
    assert (result.private, result.gated, result.discussions_disabled) == (True, "auto", True)
    assert find_repo(hub, RepoType.MODEL, "alice/model").private
    result = update_settings(hub, alice.principal(hub), repo, gated=False)
    assert (result.private, result.gated, result.discussions_disabled) == (True, None, True)


def test_moves_and_redirects(hub, alice, bob):
    make_org(hub, "lab", "alice", {"bob": "write"})
    as_alice = alice.principal(hub)
    repo = new_repo(hub, alice, "alice/old", private=True)
    new_repo(hub, alice, "alice/taken")
    with pytest.raises(Conflict, match="A model repository called alice/taken already exists"):
        move_repo(hub, as_alice, RepoType.MODEL, "alice/old", "alice/taken")
    with pytest.raises(Forbidden):
        move_repo(hub, as_alice, RepoType.MODEL, "alice/old", "bob/old")  # never to another user
    with pytest.raises(RepoNotFound):  # bob cannot even see it
        move_repo(hub, bob.principal(hub), RepoType.MODEL, "alice/old", "lab/old")

    move_repo(hub, as_alice, RepoType.MODEL, "alice/old", "alice/new")
    move_repo(hub, as_alice, RepoType.MODEL, "alice/new", "lab/newest")
    assert find_repo(hub, RepoType.MODEL, "alice/old") is None
    for old in ("alice/old", "alice/new"):
        assert redirect_target(hub, as_alice, RepoType.MODEL, old).repo_id == "lab/newest"
        assert redirect_target(hub, ANONYMOUS, RepoType.MODEL, old) is None  # private: the new id stays hidden
    assert redirect_target(hub, as_alice, RepoType.DATASET, "alice/old") is None
    # bob writes in the org, so the org's private repo is his to see, but only its admin moves it
    with pytest.raises(Forbidden):
        move_repo(hub, bob.principal(hub), RepoType.MODEL, "lab/newest", "lab/other")

    move_repo(hub, as_alice, RepoType.MODEL, "lab/newest", "alice/old")  # moving back works
    assert find_repo(hub, RepoType.MODEL, "alice/old").id == repo.id
    assert redirect_target(hub, as_alice, RepoType.MODEL, "alice/old") is None
    assert redirect_target(hub, as_alice, RepoType.MODEL, "lab/newest").repo_id == "alice/old"
