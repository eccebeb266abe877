"""Reports: a signed-in user flags a repo, or one of its files, for a problem. A report is a discussion with a
type, so it has a thread and a status like any other; the repo's maintainers and the hub's admins see the
open ones in a queue. Reports stay possible where discussions are turned off."""

from __future__ import annotations

from sqlalchemy import select

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import ROLE_RANK, Principal
from aicommons.community import webhooks
from aicommons.community.discussions import (DiscussionView, check_comment, check_participation, check_title,
                                             load_view, new_discussion, to_view)
from aicommons.community.common import account_names
from aicommons.community.common import require_writer
from aicommons.community.tables import Discussion
from aicommons.errors import InvalidInput
from aicommons.hub import Hub
from aicommons.repos.names import check_path
from aicommons.repos.reading import snapshot
from aicommons.storage.tables import Repo

# type -> what it covers, as the report form explains it
REPORT_TYPES = {
    "security": "Unsafe files: code that runs on load, malware, malformed weights",
    "license": "Licence problems: missing, wrong or violated terms",
    "harmful": "Harmful behaviour or content",
    "bias": "Biased behaviour or outputs",
    "claims": "Wrong claims: scores, provenance or capabilities the card states",
}
QUEUE_LIMIT = 200


def open_report(hub: Hub, principal: Principal, repo: Repo, report_type: str, title: str, description: str,
                path: str | None = None) -> DiscussionView:
    user_id = require_writer(principal, "report a repo")
    check_participation(hub, principal, repo)
    if report_type not in REPORT_TYPES:
        raise InvalidInput("type", f"unknown report type {report_type!r}; use one of {', '.join(REPORT_TYPES)}")
    title = check_title(title)
    check_comment(description, "description")
    if path:
        check_path(path)
        if path not in snapshot(hub, repo, None).files:
            raise InvalidInput("path", f"{path} is not a file of {repo.repo_id}")
    with hub.db.write() as session:
        discussion = new_discussion(session, repo, title=title, author_id=user_id, status="open",
                                    description=description, report_type=report_type, report_path=path or None)
        number = discussion.number
    view = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, view, "create", comment=view.events[0])
    return view


def report_queue(hub: Hub, principal: Principal, status: str = "open") -> list[DiscussionView]:
    """Reports for the caller to handle: on repos they maintain, or on every repo for a hub admin."""
    if principal.anonymous:
        return []
    statuses = ("open",) if status == "open" else ("open", "closed")
    stmt = (select(Discussion, Repo).join(Repo, Repo.id == Discussion.repo_id)
            .where(Discussion.report_type.is_not(None), Discussion.status.in_(statuses), visible_repos(principal)))
    if not principal.is_admin:
        maintained = [principal.user_id, *(org for org, role in principal.org_roles.items()
                                           if ROLE_RANK[role] >= ROLE_RANK["write"])]
        stmt = stmt.where(Repo.owner_id.in_(maintained))
    with hub.db.read() as session:
        rows = session.execute(stmt.order_by(Discussion.created_at.desc(), Discussion.id.desc())
                               .limit(QUEUE_LIMIT)).all()
        names = account_names(session, [d.author_id for d, _ in rows])
    return [to_view(repo, discussion, names) for discussion, repo in rows]
