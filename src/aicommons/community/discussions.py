"""Discussions on a repo: open, comment, edit, hide, rename, close and reopen.

Pull requests and reports are discussions too (``pulls`` and ``reports`` build on this module). One
per-repo counter numbers them all. Everything here takes a repo the caller may already see; gated repos
additionally need access to their files, as their community tab does on the Hub.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, func, select, true
from sqlalchemy.orm import Session

from aicommons.accounts.access import can_write
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.community import gating, webhooks
from aicommons.community.common import (account_names, community_row, is_maintainer, new_object_id,
                                        require_writer, settings_of)
from aicommons.community.tables import Discussion, DiscussionEvent
from aicommons.errors import Forbidden, InvalidInput, NotFound
from aicommons.hub import Hub
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import Repo

MIN_TITLE, MAX_TITLE = 3, 200
MAX_COMMENT_CHARS = 65_536
PAGE_SIZE = 50
STATUSES = ("open", "closed", "merged", "draft")


@dataclass(frozen=True)
class EventView:
    id: str
    type: str
    author: str | None  # None: the account was deleted
    created_at: datetime
    data: dict


@dataclass(frozen=True)
class DiscussionView:
    repo_type: str
    repo_id: str
    number: int
    title: str
    status: str
    is_pull_request: bool
    author: str | None
    created_at: datetime
    updated_at: datetime
    report_type: str | None = None
    report_path: str | None = None
    base_ref: str | None = None
    start_oid: str | None = None
    merge_commit_oid: str | None = None
    comments: int = 0
    events: tuple[EventView, ...] = field(default=())

    @property
    def git_reference(self) -> str | None:
        return f"refs/pr/{self.number}" if self.is_pull_request else None


def allocate_number(session: Session, repo_pk: int) -> int:
    """The next discussion or pull-request number of a repo (1, 2, ...), inside the caller's transaction."""
    row = community_row(session, repo_pk, lock=True)
    row.last_number += 1
    session.flush()
    return row.last_number


def check_title(title: str) -> str:
    title = (title or "").strip() if isinstance(title, str) else ""
    if not MIN_TITLE <= len(title) <= MAX_TITLE:
        raise InvalidInput("title", f"a title needs {MIN_TITLE} to {MAX_TITLE} characters")
    return title


def check_comment(text: str, field_name: str = "comment") -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(field_name, "a comment cannot be empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInput(field_name, f"a comment has at most {MAX_COMMENT_CHARS} characters")
    return text


def check_participation(hub: Hub, principal: Principal, repo: Repo) -> None:
    """May read and take part in this repo's discussions: a gated repo needs access to its files."""
    gating.check_access(hub, principal, repo)


def new_discussion(session: Session, repo: Repo, *, title: str, author_id: int | None, status: str,
                   description: str | None, is_pull_request: bool = False, **extra) -> Discussion:
    """Insert a discussion with the next number and its opening comment (when there is a description)."""
    now = utcnow()
    discussion = Discussion(repo_id=repo.id, number=allocate_number(session, repo.id), title=title, status=status,
                            is_pull_request=is_pull_request, author_id=author_id, created_at=now, updated_at=now,
                            **extra)
    session.add(discussion)
    session.flush()
    if description:
        add_event(session, discussion, "comment", author_id, comment_data(description, now))
    return discussion


def create_discussion(hub: Hub, principal: Principal, repo: Repo, title: str, description: str = "") -> DiscussionView:
    user_id = require_writer(principal, "open a discussion")
    check_participation(hub, principal, repo)
    check_open_for_discussions(hub, principal, repo)
    title = check_title(title)
    if description:
        check_comment(description, "description")
    with hub.db.write() as session:
        discussion = new_discussion(session, repo, title=title, author_id=user_id, status="open",
                                    description=description)
        number = discussion.number
    view = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, view, "create", comment=view.events[0] if view.events else None)
    return view


def check_open_for_discussions(hub: Hub, principal: Principal, repo: Repo) -> None:
    if settings_of(hub, repo).discussions_disabled and not is_maintainer(principal, repo):
        raise Forbidden(f"Discussions are disabled on {repo.repo_id}")


def get_discussion(hub: Hub, principal: Principal, repo: Repo, number: int) -> DiscussionView:
    check_participation(hub, principal, repo)
    return load_view(hub, repo, number)


def load_view(hub: Hub, repo: Repo, number: int) -> DiscussionView:
    """A discussion with its events, for callers that have checked access already."""
    with hub.db.read() as session:
        discussion = find_row(session, repo, number)
        events = list(session.scalars(select(DiscussionEvent).where(DiscussionEvent.discussion_id == discussion.id)
                                      .order_by(DiscussionEvent.id)))
        names = account_names(session, [discussion.author_id, *(e.author_id for e in events)])
        return to_view(repo, discussion, names, events)


def list_discussions(hub: Hub, principal: Principal, repo: Repo, *, kind: str = "all", status: str = "all",
                     author: str | None = None, report: bool | None = None, offset: int = 0,
                     limit: int = PAGE_SIZE) -> tuple[list[DiscussionView], int]:
    """One page of discussions, newest first, and how many match the filters in all."""
    check_participation(hub, principal, repo)
    if kind not in ("all", "discussion", "pull_request"):
        raise InvalidInput("type", "type must be 'all', 'discussion' or 'pull_request'")
    if status not in ("all", "open", "closed"):
        raise InvalidInput("status", "status must be 'all', 'open' or 'closed'")
    where = [Discussion.repo_id == repo.id]
    if kind != "all":
        where.append(Discussion.is_pull_request == (true() if kind == "pull_request" else false()))
    if status == "open":
        where.append(Discussion.status.in_(("open", "draft")))
    elif status == "closed":
        where.append(Discussion.status.in_(("closed", "merged")))
    if report is not None:
        where.append(Discussion.report_type.is_not(None) if report else Discussion.report_type.is_(None))
    with hub.db.read() as session:
        if author:
            account = get_account(session, author)
            if account is None:
                return [], 0
            where.append(Discussion.author_id == account.id)
        total = session.scalar(select(func.count()).select_from(Discussion).where(*where))
        rows = list(session.scalars(select(Discussion).where(*where).order_by(Discussion.number.desc())
                                    .offset(max(offset, 0)).limit(limit)))
        comments = dict(session.execute(
            select(DiscussionEvent.discussion_id, func.count())
            .where(DiscussionEvent.discussion_id.in_([d.id for d in rows]), DiscussionEvent.type == "comment")
            .group_by(DiscussionEvent.discussion_id)).all()) if rows else {}
        names = account_names(session, [d.author_id for d in rows])
    return [to_view(repo, d, names, comments=comments.get(d.id, 0)) for d in rows], total


def add_comment(hub: Hub, principal: Principal, repo: Repo, number: int, text: str) -> EventView:
    user_id = require_writer(principal, "comment")
    check_participation(hub, principal, repo)
    check_comment(text)
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        event = add_event(session, discussion, "comment", user_id, comment_data(text, utcnow()))
        created = _event_view(event, {user_id: principal.name})
    view = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, view, "create", comment=created, scope="discussion.comment")
    return created


def edit_comment(hub: Hub, principal: Principal, repo: Repo, number: int, comment_id: str, text: str) -> EventView:
    user_id = require_writer(principal, "edit a comment")
    check_participation(hub, principal, repo)
    check_comment(text, "content")
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        event = _find_comment(session, discussion, comment_id)
        if event.author_id != user_id and not can_write(principal, repo):
            raise Forbidden("Only the comment's author or the repo's maintainers may edit it")
        if event.data.get("hidden"):
            raise InvalidInput("comment", "a hidden comment cannot be edited")
        now = utcnow()
        data = dict(event.data)
        data["history"] = [_revision(text, principal.name, now), *data.get("history", [])]
        data.update(raw=text, edited=True, updatedAt=now.isoformat(), editor=principal.name)
        event.data = data
        discussion.updated_at = now
        session.flush()
        updated = _event_view(event, account_names(session, [event.author_id]))
    view = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, view, "update", comment=updated, scope="discussion.comment")
    return updated


def hide_comment(hub: Hub, principal: Principal, repo: Repo, number: int, comment_id: str) -> EventView:
    """Hide a comment for good: its text and history are erased, only the fact that it existed remains."""
    user_id = require_writer(principal, "hide a comment")
    check_participation(hub, principal, repo)
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        event = _find_comment(session, discussion, comment_id)
        if event.author_id != user_id and not can_write(principal, repo):
            raise Forbidden("Only the comment's author or the repo's maintainers may hide it")
        now = utcnow()
        event.data = {**event.data, "raw": "", "history": [], "hidden": True, "hiddenBy": principal.name,
                      "updatedAt": now.isoformat()}
        session.flush()
        hidden = _event_view(event, account_names(session, [event.author_id]))
    view = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, view, "update", comment=hidden, scope="discussion.comment")
    return hidden


def rename(hub: Hub, principal: Principal, repo: Repo, number: int, title: str) -> EventView:
    user_id = require_writer(principal, "rename a discussion")
    check_participation(hub, principal, repo)
    title = check_title(title)
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        _check_author_or_maintainer(principal, repo, discussion, "rename it")
        event = add_event(session, discussion, "title-change", user_id, {"from": discussion.title, "to": title})
        discussion.title = title
        created = _event_view(event, {user_id: principal.name})
    webhooks.discussion_event(hub, repo, load_view(hub, repo, number), "update")
    return created


def change_status(hub: Hub, principal: Principal, repo: Repo, number: int, status: str,
                  comment: str | None = None) -> EventView:
    """Close or (re)open a discussion; opening a draft pull request publishes it."""
    user_id = require_writer(principal, "change a discussion's status")
    check_participation(hub, principal, repo)
    if status not in ("open", "closed"):
        raise InvalidInput("status", "status must be 'open' or 'closed'")
    if comment:
        check_comment(comment)
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        _check_author_or_maintainer(principal, repo, discussion, "change its status")
        if discussion.status == "merged":
            raise InvalidInput("status", f"#{number} is merged; its status cannot change")
        if discussion.status == status:
            raise InvalidInput("status", f"#{number} is already {status}")
        now = utcnow()
        if comment:
            add_event(session, discussion, "comment", user_id, comment_data(comment, now))
        event = add_event(session, discussion, "status-change", user_id, {"status": status})
        discussion.status = status
        created = _event_view(event, {user_id: principal.name})
    webhooks.discussion_event(hub, repo, load_view(hub, repo, number), "update")
    return created


def add_event(session: Session, discussion: Discussion, kind: str, author_id: int | None,
              data: dict) -> DiscussionEvent:
    now = utcnow()
    event = DiscussionEvent(oid=new_object_id(), discussion_id=discussion.id, type=kind, author_id=author_id,
                            created_at=now, data=data)
    session.add(event)
    discussion.updated_at = now
    session.flush()
    return event


def comment_data(text: str, when: datetime) -> dict:
    """A new comment: its text, and a history that edits extend (an entry without author: the comment's own)."""
    return {"raw": text, "edited": False, "hidden": False, "updatedAt": when.isoformat(), "editor": None,
            "history": [_revision(text, None, when)]}


def _revision(text: str, author: str | None, when: datetime) -> dict:
    return {"raw": text, "author": author, "updatedAt": when.isoformat()}


def find_row(session: Session, repo: Repo, number: int) -> Discussion:
    discussion = session.scalar(select(Discussion).where(Discussion.repo_id == repo.id, Discussion.number == number))
    if discussion is None:
        raise NotFound(f"Discussion #{number} not found in {repo.repo_id}")
    return discussion


def _find_comment(session: Session, discussion: Discussion, comment_id: str) -> DiscussionEvent:
    event = session.scalar(select(DiscussionEvent).where(DiscussionEvent.discussion_id == discussion.id,
                                                         DiscussionEvent.oid == comment_id.lower(),
                                                         DiscussionEvent.type == "comment"))
    if event is None:
        raise NotFound(f"Comment {comment_id} not found in discussion #{discussion.number}")
    return event


def _check_author_or_maintainer(principal: Principal, repo: Repo, discussion: Discussion, action: str) -> None:
    if discussion.author_id != principal.user_id and not can_write(principal, repo):
        raise Forbidden(f"Only the author of #{discussion.number} or the repo's maintainers may {action}")


def to_view(repo: Repo, discussion: Discussion, names: dict[int, str], events=(), comments: int = 0) -> DiscussionView:
    events = tuple(_event_view(e, names) for e in events)
    return DiscussionView(
        repo_type=repo.type, repo_id=repo.repo_id, number=discussion.number, title=discussion.title,
        status=discussion.status, is_pull_request=discussion.is_pull_request, author=names.get(discussion.author_id),
        created_at=discussion.created_at, updated_at=discussion.updated_at, report_type=discussion.report_type,
        report_path=discussion.report_path, base_ref=discussion.base_ref, start_oid=discussion.start_oid,
        merge_commit_oid=discussion.merge_commit_oid,
        comments=comments or sum(1 for e in events if e.type == "comment"), events=events)


def _event_view(event: DiscussionEvent, names: dict[int, str]) -> EventView:
    return EventView(event.oid, event.type, names.get(event.author_id), event.created_at, dict(event.data))
