"""Fixtures for the Xet tests: a repo on a live server, and CAS clients with write and read tokens for it."""

from __future__ import annotations

import pytest

from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from tests.xet.cas_client import Cas, cas_for


@pytest.fixture
def model(hub, alice):
    return create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/model")


@pytest.fixture
def writer(server, alice, model) -> Cas:
    return cas_for(server, "alice/model", "write", alice.token)


@pytest.fixture
def reader(server, alice, model) -> Cas:
    return cas_for(server, "alice/model", "read", alice.token)
