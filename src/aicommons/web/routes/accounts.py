"""User and organisation pages: who they are, their visible models and datasets, members or organisations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from aicommons.accounts.service import require_account
from aicommons.repos.names import RepoType
from aicommons.storage.tables import Account, Membership
from aicommons.web.routing import WebRoute, viewer
from aicommons.web.community.accounts import account_overview
from aicommons.web.search import RepoQuery, search_repos
from aicommons.web.templates import render

router = APIRouter(route_class=WebRoute)
REPOS_SHOWN = 12


@router.get("/{name}")
def account(request: Request, name: str):
    hub = request.app.state.hub
    principal = viewer(request)
    with hub.db.read() as session:
        owner = require_account(session, name)
        if owner.kind == "org":
            related = session.execute(
                select(Account, Membership.role).join(Membership, Membership.user_id == Account.id)
                .where(Membership.org_id == owner.id).order_by(Account.name)).all()
        else:
            related = session.execute(
                select(Account, Membership.role).join(Membership, Membership.org_id == Account.id)
                .where(Membership.user_id == owner.id).order_by(Account.name)).all()
    sections = {
        repo_type.value: search_repos(hub, principal, RepoQuery(repo_type, filters={"author": owner.name},
                                                                per_page=REPOS_SHOWN))
        for repo_type in (RepoType.MODEL, RepoType.DATASET)
    }
    return render(request, "account.html", {"owner": owner, "related": related, "sections": sections,
                                            "community": account_overview(hub, principal, owner.name)})
