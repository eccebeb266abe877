"""Likes: a signed-in user likes a repo they can see; ``repos.likes`` keeps the count for sorting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import require_account
from aicommons.community.common import require_writer
from aicommons.community.tables import Like
from aicommons.hub import Hub
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import Account, Repo


@dataclass(frozen=True)
class LikedRepo:
    repo_type: str
    repo_id: str
    liked_at: datetime


@dataclass(frozen=True)
class Liker:
    name: str
    fullname: str


def like(hub: Hub, principal: Principal, repo: Repo) -> bool:
    """Like a repo (already visible to the caller); False when it was liked already."""
    user_id = require_writer(principal, "like a repo")
    with hub.db.write() as session:
        if session.get(Like, (user_id, repo.id)) is not None:
            return False
        session.add(Like(user_id=user_id, repo_id=repo.id, created_at=utcnow()))
        session.execute(update(Repo).where(Repo.id == repo.id).values(likes=Repo.likes + 1))
    return True


def unlike(hub: Hub, principal: Principal, repo: Repo) -> bool:
    user_id = require_writer(principal, "unlike a repo")
    with hub.db.write() as session:
        row = session.get(Like, (user_id, repo.id))
        if row is None:
            return False
        session.delete(row)
        session.execute(update(Repo).where(Repo.id == repo.id).values(likes=Repo.likes - 1))
    return True


def likes(hub: Hub, principal: Principal, repo: Repo) -> bool:
    if principal.anonymous:
        return False
    with hub.db.read() as session:
        return session.get(Like, (principal.user_id, repo.id)) is not None


def liked_repos(hub: Hub, principal: Principal, user: str, offset: int = 0, limit: int = 100) -> list[LikedRepo]:
    """The repos ``user`` likes that the caller may see, most recently liked first."""
    with hub.db.read() as session:
        account = require_account(session, user, "user")
        rows = session.execute(select(Repo, Like.created_at).join(Like, Like.repo_id == Repo.id)
                               .where(Like.user_id == account.id, visible_repos(principal))
                               .order_by(Like.created_at.desc(), Repo.id.desc()).offset(offset).limit(limit)).all()
    return [LikedRepo(repo.type, repo.repo_id, when) for repo, when in rows]


def likers(hub: Hub, repo: Repo, offset: int = 0, limit: int = 100) -> list[Liker]:
    with hub.db.read() as session:
        rows = session.execute(select(Account.name, Account.fullname).join(Like, Like.user_id == Account.id)
                               .where(Like.repo_id == repo.id).order_by(Like.created_at.desc(), Account.id)
                               .offset(offset).limit(limit)).all()
    return [Liker(name, fullname or "") for name, fullname in rows]
