"""Helpers for the page tests: sign-in over HTTP, forms with their CSRF token, repos made cheaply, screenshots.

Imported as ``web_helpers`` (pytest puts this folder on sys.path), so the tests run from any directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from aicommons.accounts.service import create_org, require_account, set_member
from aicommons.repos import manage
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.names import RepoType
from aicommons.repos.objects import EMPTY_TREE_OID, Commit, Signature, utcnow
from aicommons.storage.tables import Account, CommitRow, Ref, Repo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AUTHOR = Signature("Tester", "tester@example.org")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, user) -> TestClient:
    form = client.get("/login")
    response = client.post("/login", data={"username": user.name, "password": user.password,
                                           "csrf_token": csrf_of(form.text), "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def post_form(client: TestClient, page_url: str, action: str, data: dict, **kwargs):
    """Post a form the way a browser does: with the CSRF token from the page that shows it."""
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False, **kwargs)


def make_repo(hub, user, repo_id: str, *, repo_type=RepoType.MODEL, private=False, card: str | None = None,
              files: dict[str, bytes] | None = None):
    repo = manage.create_repo(hub, user.principal(hub), repo_type, repo_id, private=private)
    operations = [AddFile(path, content) for path, content in (files or {}).items()]
    if card is not None:
        operations.append(AddFile("README.md", card.encode()))
    if operations:
        commit(hub, repo, operations, author=AUTHOR, message="Add files")
    return repo


def seed_repos(hub, owner: str, count: int, repo_type=RepoType.MODEL, prefix: str = "bulk") -> None:
    """Many empty repos in one transaction (each with the root commit create_repo would make), for list tests."""
    now = utcnow()
    root = Commit(EMPTY_TREE_OID, (), AUTHOR, "initial commit", now)
    with hub.db.write() as session:
        account = session.scalar(select(Account).where(Account.name == owner))
        for index in range(count):
            repo = Repo(type=str(repo_type), namespace=owner, name=f"{prefix}-{index:04d}", owner_id=account.id,
                        private=False, created_at=now, updated_at=now, downloads=index)
            session.add(repo)
            session.flush()
            session.add(CommitRow(repo_id=repo.id, oid=root.oid, tree_oid=EMPTY_TREE_OID, parents=[],
                                  author_name=AUTHOR.name, author_email=AUTHOR.email, message=root.message,
                                  created_at=now))
            session.add(Ref(repo_id=repo.id, name="refs/heads/main", commit_oid=root.oid))


def add_org(hub, name: str, owner: str, members: dict[str, str] | None = None) -> None:
    with hub.db.write() as session:
        org = create_org(session, name, require_account(session, owner, "user"))
        for user, role in (members or {}).items():
            set_member(session, org, require_account(session, user, "user"), role)


def screenshot(tab, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def browser_sign_in(tab, user) -> None:
    tab.goto("/login")
    tab.get_by_label("User name").fill(user.name)
    tab.get_by_label("Password").fill(user.password)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url("**/?notice=signed-in")
