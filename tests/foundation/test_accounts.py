"""Users, organisations, tokens and who may see or write which repo."""

import pytest
from sqlalchemy import select

from aicommons.accounts.access import can_read, can_write, check_read, check_write, visible_repos
from aicommons.accounts.principal import ANONYMOUS
from aicommons.accounts.service import (
    create_token, create_user, principal_for_token, require_account, revoke_token, verify_password,
)
from aicommons.errors import Conflict, Forbidden, InvalidInput, RepoNotFound
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.storage.tables import ApiToken, Repo
from tests.conftest import make_org, make_user


def test_passwords_are_hashed_with_argon2(hub):
    with hub.db.write() as session:
        user = create_user(session, "dora", "correct horse")
    assert user.password_hash.startswith("$argon2")
    with hub.db.read() as session:
        assert verify_password(session, "dora", "correct horse").name == "dora"
        assert verify_password(session, "dora", "wrong horse") is None
        assert verify_password(session, "nobody", "correct horse") is None


def test_bad_account_input(hub, alice):
    with hub.db.write() as session:
        with pytest.raises(Conflict):
            create_user(session, "alice", "another-password")
        with pytest.raises(InvalidInput, match="password"):
            create_user(session, "eve", "short")
        with pytest.raises(InvalidInput, match="name"):
            create_user(session, "bad name", "long-enough")


def test_tokens_are_stored_hashed_shown_once_and_revocable(hub, alice):
    with hub.db.write() as session:
        token, row = create_token(session, require_account(session, "alice"), "read", "ci")
    with hub.db.read() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and row.token_hash in stored
        principal = principal_for_token(session, token)
    assert principal.name == "alice" and principal.token_role == "read"
    with hub.db.write() as session:
        revoke_token(session, require_account(session, "alice"), row.id)
    with hub.db.read() as session:
        assert principal_for_token(session, token) is None
        assert principal_for_token(session, token + "x") is None


@pytest.fixture
def world(hub, alice, bob):
    """alice owns a private repo and a public one; acme (an org) has a private repo; bob reads acme."""
    carol = make_user(hub, "carol")
    make_org(hub, "acme", "alice", {"bob": "read", "carol": "write"})
    a = alice.principal(hub)
    repos = {
        "alice/secret": create_repo(hub, a, RepoType.MODEL, "alice/secret", private=True),
        "alice/open": create_repo(hub, a, RepoType.MODEL, "alice/open"),
        "acme/internal": create_repo(hub, a, RepoType.DATASET, "acme/internal", private=True),
    }
    return {"alice": a, "bob": bob.principal(hub), "carol": carol.principal(hub), "anon": ANONYMOUS}, repos


@pytest.mark.parametrize("who,repo,read,write", [
    ("anon", "alice/open", True, False),
    ("anon", "alice/secret", False, False),
    ("bob", "alice/secret", False, False),
    ("bob", "alice/open", True, False),
    ("bob", "acme/internal", True, False),
    ("carol", "acme/internal", True, True),
    ("carol", "alice/secret", False, False),
    ("alice", "alice/secret", True, True),
    ("alice", "acme/internal", True, True),
])
def test_visibility_matrix(world, who, repo, read, write):
    principals, repos = world
    assert can_read(principals[who], repos[repo]) is read
    assert can_write(principals[who], repos[repo]) is write
    if not read:
        # outsiders learn nothing: the same error as for a repo that does not exist
        with pytest.raises(RepoNotFound):
            check_read(principals[who], repos[repo], repo)
        with pytest.raises(RepoNotFound):
            check_write(principals[who], repos[repo], repo)
    elif not write:
        with pytest.raises(Forbidden):
            check_write(principals[who], repos[repo], repo)


def test_read_tokens_never_write(hub, world, alice):
    _, repos = world
    with hub.db.read() as session:
        reader = principal_for_token(session, alice.read_token)
    assert can_read(reader, repos["alice/secret"]) and not can_write(reader, repos["alice/secret"])


def test_admins_see_everything(hub, world):
    _, repos = world
    root = make_user(hub, "root", admin=True).principal(hub)
    assert all(can_write(root, repo) for repo in repos.values())


def test_lists_hide_private_repos(hub, world):
    principals, _ = world
    with hub.db.read() as session:
        def names(who):
            rows = session.execute(select(Repo.namespace, Repo.name).where(visible_repos(principals[who])))
            return sorted(f"{ns}/{n}" for ns, n in rows)

        assert names("anon") == ["alice/open"]
        assert names("bob") == ["acme/internal", "alice/open"]
        assert names("alice") == ["acme/internal", "alice/open", "alice/secret"]


def test_only_namespace_writers_create_repos(hub, world):
    principals, _ = world
    with pytest.raises(Forbidden):
        create_repo(hub, principals["bob"], RepoType.MODEL, "acme/new")
    with pytest.raises(Forbidden):
        create_repo(hub, principals["bob"], RepoType.MODEL, "alice/new")
    with pytest.raises(Forbidden):
        create_repo(hub, ANONYMOUS, RepoType.MODEL, "alice/new")
    create_repo(hub, principals["carol"], RepoType.MODEL, "acme/new")
    with pytest.raises(Conflict):
        create_repo(hub, principals["carol"], RepoType.MODEL, "acme/new")
