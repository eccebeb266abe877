"""Visibility and write rules for repos. A private repo is invisible to outsiders: callers raise
RepoNotFound (404), never Forbidden, so its existence does not leak."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from aicommons.accounts.principal import ROLE_RANK, Principal
from aicommons.errors import Forbidden, RepoNotFound
from aicommons.storage.tables import Repo


def can_read(principal: Principal, repo: Repo) -> bool:
    return not repo.private or principal.role_on(repo.owner_id) is not None


def can_write(principal: Principal, repo: Repo) -> bool:
    role = principal.role_on(repo.owner_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK["write"] and principal.may_write_with_token()


def can_admin(principal: Principal, repo: Repo) -> bool:
    return principal.role_on(repo.owner_id) == "admin" and principal.may_write_with_token()


def check_read(principal: Principal, repo: Repo | None, label: str) -> Repo:
    if repo is None or not can_read(principal, repo):
        raise RepoNotFound(f"Repository {label} not found")
    return repo


def check_write(principal: Principal, repo: Repo | None, label: str) -> Repo:
    repo = check_read(principal, repo, label)
    if not can_write(principal, repo):
        raise Forbidden(f"You may not write to {label}" + (" with a read token" if principal.token_role == "read" else ""))
    return repo


def check_admin(principal: Principal, repo: Repo | None, label: str) -> Repo:
    repo = check_read(principal, repo, label)
    if not can_admin(principal, repo):
        raise Forbidden(f"You must be an admin of {label} to do this")
    return repo


def visible_repos(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause keeping only the repos this principal may see, for lists, search and counts."""
    if principal.is_admin:
        return true()
    owners = [principal.user_id, *principal.org_roles] if principal.user_id is not None else []
    return or_(Repo.private == false(), Repo.owner_id.in_(owners)) if owners else Repo.private == false()


def may_manage_account(principal: Principal, account_id: int) -> bool:
    """May act for a namespace: create repos in it, for instance (write role in an org)."""
    role = principal.role_on(account_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK["write"] and principal.may_write_with_token()
