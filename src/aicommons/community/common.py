"""What the community modules share: object ids, a repo's community row and account lookups."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicommons.accounts.principal import ROLE_RANK, Principal
from aicommons.community.tables import RepoCommunity
from aicommons.errors import Forbidden, Unauthorized
from aicommons.hub import Hub
from aicommons.storage.tables import Account, Repo


def new_object_id() -> str:
    """A 24-hex id, the shape the Hub gives comments, requests and collections (clients lowercase them)."""
    return secrets.token_hex(12)


def community_row(session: Session, repo_pk: int, *, lock: bool = False) -> RepoCommunity:
    """The repo's community row, created with defaults the first time it is needed."""
    stmt = select(RepoCommunity).where(RepoCommunity.repo_id == repo_pk)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = RepoCommunity(repo_id=repo_pk, last_number=0, gated=None, discussions_disabled=False)
            session.add(row)
    except IntegrityError:  # another transaction created it first
        row = session.scalar(stmt.with_for_update() if lock else stmt)
    return row


def settings_of(hub: Hub, repo: Repo) -> RepoCommunity:
    """A detached copy of the repo's community settings (defaults when none were ever set)."""
    with hub.db.read() as session:
        row = session.get(RepoCommunity, repo.id)
        if row is None:
            return RepoCommunity(repo_id=repo.id, last_number=0, gated=None, discussions_disabled=False)
        session.expunge(row)
        return row


def is_maintainer(principal: Principal, repo: Repo) -> bool:
    """Holds write rights over the repo's owner, whatever the token: maintainers are never gated."""
    role = principal.role_on(repo.owner_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK["write"]


def require_user(principal: Principal, action: str) -> int:
    if principal.anonymous:
        raise Unauthorized(f"Sign in to {action}")
    return principal.user_id


def require_writer(principal: Principal, action: str) -> int:
    """A signed-in user acting with a write token (read tokens never change anything)."""
    user_id = require_user(principal, action)
    if not principal.may_write_with_token():
        raise Forbidden(f"A read token cannot {action}; use a write token")
    return user_id


def account_names(session: Session, ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted))).all())
