"""Community fixtures: users made without a password (no argon2 hashing: these tests sign in with tokens),
so a test with three users does not spend seconds hashing."""

from __future__ import annotations

import pytest

from aicommons.accounts.service import create_token, create_user
from tests.conftest import TestUser


def quick_user(hub, name: str, *, admin: bool = False) -> TestUser:
    with hub.db.write() as session:
        user = create_user(session, name, None, email=f"{name}@example.org", is_admin=admin)
        write, _ = create_token(session, user, "write", "test-write")
        read, _ = create_token(session, user, "read", "test-read")
    return TestUser(name, "", write, read)


@pytest.fixture
def alice(hub) -> TestUser:
    return quick_user(hub, "alice")


@pytest.fixture
def bob(hub) -> TestUser:
    return quick_user(hub, "bob")


@pytest.fixture
def carol(hub) -> TestUser:
    return quick_user(hub, "carol")


@pytest.fixture(autouse=True)
def _plain_http_uploads(monkeypatch):
    # this hub has no Xet service: the client's LFS path uploads weights (a test may turn Xet back on)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)


