"""What a user's or an organisation's page sums up: their repos, likes, discussions, collections and
organisations, counted as the viewer may see them (private repos of others are not counted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import require_account
from aicommons.community.tables import Discussion, Like
from aicommons.hub import Hub
from aicommons.storage.tables import Account, Membership, Repo


@dataclass(frozen=True)
class Overview:
    name: str
    kind: str  # user | org
    fullname: str
    created_at: datetime
    models: int
    datasets: int
    likes: int  # repos this user likes (users) / likes the org's repos received (orgs)
    discussions: int
    members: int  # organisations: their members; users: 0
    orgs: tuple[tuple[str, str], ...]  # users: (name, fullname) of their organisations


@dataclass(frozen=True)
class Member:
    name: str
    fullname: str
    role: str


def overview(hub: Hub, principal: Principal, name: str, kind: str | None = None) -> Overview:
    with hub.db.read() as session:
        account = require_account(session, name, kind)
        owned = select(Repo.type, func.count()).where(Repo.owner_id == account.id, visible_repos(principal))
        counts = dict(session.execute(owned.group_by(Repo.type)).all())
        if account.kind == "user":
            likes = session.scalar(select(func.count()).select_from(Like).join(Repo, Repo.id == Like.repo_id)
                                   .where(Like.user_id == account.id, visible_repos(principal)))
            discussions = session.scalar(select(func.count()).select_from(Discussion)
                                         .join(Repo, Repo.id == Discussion.repo_id)
                                         .where(Discussion.author_id == account.id, visible_repos(principal)))
            orgs = tuple(session.execute(select(Account.name, Account.fullname)
                                         .join(Membership, Membership.org_id == Account.id)
                                         .where(Membership.user_id == account.id).order_by(Account.name)).all())
            members = 0
        else:
            likes = session.scalar(select(func.coalesce(func.sum(Repo.likes), 0))
                                   .where(Repo.owner_id == account.id, visible_repos(principal)))
            discussions = session.scalar(select(func.count()).select_from(Discussion)
                                         .join(Repo, Repo.id == Discussion.repo_id)
                                         .where(Repo.owner_id == account.id, visible_repos(principal)))
            members = session.scalar(select(func.count()).select_from(Membership)
                                     .where(Membership.org_id == account.id))
            orgs = ()
    return Overview(account.name, account.kind, account.fullname or "", account.created_at, counts.get("model", 0),
                    counts.get("dataset", 0), likes, discussions, members, tuple((n, f or "") for n, f in orgs))


def members(hub: Hub, org: str, offset: int = 0, limit: int = 100) -> list[Member]:
    with hub.db.read() as session:
        account = require_account(session, org, "org")
        rows = session.execute(select(Account.name, Account.fullname, Membership.role)
                               .join(Membership, Membership.user_id == Account.id)
                               .where(Membership.org_id == account.id).order_by(Account.name)
                               .offset(offset).limit(limit)).all()
    return [Member(name, fullname or "", role) for name, fullname, role in rows]
