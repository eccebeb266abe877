"""Pull requests: discussions whose proposed changes live on the ref ``refs/pr/{number}``.

A pull request starts at the head of its base branch (or at the parent a ``create_pr`` commit names); that
start is the merge base. Commits to the ref go through the one write path like any other and show up as
``commit`` events. Merging applies a file-level three-way merge as one commit on the base branch, through
the same write path; two different changes to one file are reported as conflicts and nothing is merged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.accounts.access import can_write
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.community import webhooks
from aicommons.community.diffs import changed_paths, three_way, unified_diff
from aicommons.community.discussions import (DiscussionView, add_event, check_open_for_discussions,
                                             check_participation, check_title, comment_data, find_row, load_view,
                                             new_discussion)
from aicommons.community.common import require_writer
from aicommons.community.tables import DiscussionEvent
from aicommons.errors import Conflict, Forbidden, InvalidInput, StaleParent
from aicommons.hub import CommitEvent, Hub, PullRequestStart
from aicommons.repos import revisions
from aicommons.repos.commit import AddBlob, DeleteFile, Operation, commit
from aicommons.repos.objects import FileEntry, Signature, utcnow
from aicommons.repos.reading import CommitInfo, history
from aicommons.storage.tables import CommitRow, Ref, Repo

MERGE_ATTEMPTS = 5
MAX_COMMITS_LISTED = 250


class MergeConflict(Conflict):
    def __init__(self, number: int, paths: tuple[str, ...]):
        super().__init__(f"Pull request #{number} conflicts with its base branch in: {', '.join(paths)}")
        self.paths = paths


@dataclass(frozen=True)
class Changes:
    """What a pull request changes, compared with where it started, and what stands in the way of merging it."""

    old_files: dict[str, FileEntry]
    new_files: dict[str, FileEntry]
    changed: tuple[str, ...]
    conflicts: tuple[str, ...]
    head_oid: str


def open_pull_request(hub: Hub, principal: Principal, repo: Repo, title: str, description: str = "") -> DiscussionView:
    """A draft pull request against the default branch, its ref at that branch's head; commits follow."""
    user_id = require_writer(principal, "open a pull request")
    check_participation(hub, principal, repo)
    check_open_for_discussions(hub, principal, repo)
    title = check_title(title)
    base_ref = f"refs/heads/{revisions.DEFAULT_BRANCH}"
    with hub.db.write() as session:
        start = revisions.head(session, repo.id, base_ref)
        discussion = new_discussion(session, repo, title=title, author_id=user_id, status="draft",
                                    description=description or None, is_pull_request=True, base_ref=base_ref,
                                    start_oid=start)
        session.add(Ref(repo_id=repo.id, name=f"refs/pr/{discussion.number}", commit_oid=start))
        number = discussion.number
    view = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, view, "create", comment=view.events[0] if view.events else None)
    webhooks.repo_event(hub, repo, "repo.content", "update",
                        updatedRefs=[{"ref": view.git_reference, "oldSha": None, "newSha": start}])
    return view


def check_may_propose(hub: Hub, principal: Principal, repo: Repo) -> None:
    """May open a pull request on a repo they cannot write to: signed in, past its gate, discussions on."""
    require_writer(principal, "propose a change")
    check_participation(hub, principal, repo)
    check_open_for_discussions(hub, principal, repo)


def open_for_commit(session: Session, repo: Repo, start: PullRequestStart) -> int:
    """The hub's pull-request opener: a ``create_pr`` commit opens a (published) pull request titled with its
    summary, in the commit's own transaction, and is recorded as the pull request's first commit."""
    summary, _, body = start.message.partition("\n")
    author = get_account(session, start.author.name)
    author_id = author.id if author is not None else None
    discussion = new_discussion(session, repo, title=summary.strip()[:200] or "Pull request", author_id=author_id,
                                status="open", description=body.strip() or None, is_pull_request=True,
                                base_ref=start.base_ref, start_oid=start.start_oid)
    add_event(session, discussion, "commit", author_id, {"subject": summary.strip(), "oid": start.commit_oid})
    return discussion.number


def on_commit(hub: Hub, event: CommitEvent) -> None:
    """Post-commit hook: a commit to ``refs/pr/N`` joins that pull request's timeline; every commit is a
    ``repo.content`` update for webhooks (and a ``create_pr`` commit also opens a discussion for them)."""
    match = revisions.PR_REF.match(event.ref)
    with hub.db.read() as session:
        repo = session.get(Repo, event.repo_pk)
    if repo is None:
        return
    old_sha = event.parent_oid
    opened = False
    if match:
        opened = _record_commit(hub, repo, int(match.group(1)), event)
        old_sha = None if opened else old_sha
    webhooks.repo_event(hub, repo, "repo.content", "update",
                        updatedRefs=[{"ref": event.ref, "oldSha": old_sha, "newSha": event.commit_oid}])
    if opened:
        view = load_view(hub, repo, int(match.group(1)))
        first_comment = next((e for e in view.events if e.type == "comment"), None)
        webhooks.discussion_event(hub, repo, view, "create", comment=first_comment)


def _record_commit(hub: Hub, repo: Repo, number: int, event: CommitEvent) -> bool:
    """Add the commit to the pull request's events; True when this commit opened the pull request."""
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        recorded = session.scalars(select(DiscussionEvent.data).where(DiscussionEvent.discussion_id == discussion.id,
                                                                     DiscussionEvent.type == "commit")).all()
        if any(data.get("oid") == event.commit_oid for data in recorded):
            return True  # the opener recorded it inside the commit's transaction
        row = session.get(CommitRow, (repo.id, event.commit_oid))
        author = get_account(session, row.author_name)
        add_event(session, discussion, "commit", author.id if author else None,
                  {"subject": row.message.split("\n", 1)[0], "oid": event.commit_oid})
    return False


def changes(hub: Hub, repo: Repo, view: DiscussionView) -> Changes:
    """The pull request's changes since its start and, while it is open, the files that conflict."""
    if not view.is_pull_request:
        raise InvalidInput("num", f"#{view.number} is not a pull request")
    with hub.db.read() as session:
        head = revisions.head(session, repo.id, view.git_reference) or view.start_oid
        start_files = _files(hub, session, repo, view.start_oid)
        head_files = _files(hub, session, repo, head)
        conflicts = ()
        if view.status in ("open", "draft"):
            base_head = revisions.head(session, repo.id, view.base_ref)
            if base_head is not None and base_head != view.start_oid:
                conflicts = three_way(start_files, _files(hub, session, repo, base_head), head_files).conflicts
    return Changes(start_files, head_files, tuple(changed_paths(start_files, head_files)), conflicts, head)


def diff_text(hub: Hub, found: Changes) -> str:
    return unified_diff(hub, found.old_files, found.new_files)


def commits(hub: Hub, repo: Repo, view: DiscussionView, head_oid: str) -> list[CommitInfo]:
    """The pull request's own commits, newest first (those after its start)."""
    out = []
    for info in history(hub, repo, head_oid, limit=MAX_COMMITS_LISTED):
        if info.oid == view.start_oid:
            break
        out.append(info)
    return out


def merge(hub: Hub, principal: Principal, repo: Repo, number: int, author: Signature,
          comment: str | None = None) -> DiscussionView:
    """Merge a published pull request into its base branch as one commit made by ``author``."""
    user_id = require_writer(principal, "merge a pull request")
    if not can_write(principal, repo):
        raise Forbidden(f"Merging into {repo.repo_id} needs write rights")
    view = load_view(hub, repo, number)
    _check_mergeable(view)
    for _ in range(MERGE_ATTEMPTS):
        operations, base_head = _merge_operations(hub, repo, view)
        try:
            result = commit(hub, repo, operations, author=author, revision=view.base_ref, parent_commit=base_head,
                            message=f"Merge pull request #{number}: {view.title}")
            break
        except StaleParent:
            continue  # the base branch moved while we merged: merge again onto its new head
    else:
        raise Conflict(f"{view.base_ref} kept moving while #{number} was merged; try again")
    with hub.db.write() as session:
        discussion = find_row(session, repo, number)
        if comment:
            add_event(session, discussion, "comment", user_id, comment_data(comment, utcnow()))
        add_event(session, discussion, "status-change", user_id, {"status": "merged"})
        discussion.status, discussion.merge_commit_oid = "merged", result.oid
    merged = load_view(hub, repo, number)
    webhooks.discussion_event(hub, repo, merged, "update")
    return merged


def _check_mergeable(view: DiscussionView) -> None:
    if not view.is_pull_request:
        raise InvalidInput("num", f"#{view.number} is not a pull request")
    if view.status == "draft":
        raise InvalidInput("status", f"#{view.number} is a draft: publish it (set its status to open) to merge it")
    if view.status == "closed":
        raise InvalidInput("status", f"#{view.number} is closed: reopen it to merge it")
    if view.status == "merged":
        raise Conflict(f"#{view.number} is already merged")


def _merge_operations(hub: Hub, repo: Repo, view: DiscussionView) -> tuple[list[Operation], str]:
    with hub.db.read() as session:
        base_head = revisions.head(session, repo.id, view.base_ref)
        pr_head = revisions.head(session, repo.id, view.git_reference)
        ours = _files(hub, session, repo, base_head)
        merged = three_way(_files(hub, session, repo, view.start_oid), ours, _files(hub, session, repo, pr_head))
    if merged.conflicts:
        raise MergeConflict(view.number, merged.conflicts)
    operations: list[Operation] = []
    for path in changed_paths(ours, merged.files):
        entry = merged.files.get(path)
        operations.append(DeleteFile(path) if entry is None else AddBlob(path, entry.sha256, entry.size, entry.lfs))
    return operations, base_head


def _files(hub: Hub, session: Session, repo: Repo, oid: str) -> dict[str, FileEntry]:
    return hub.trees.flatten(session, session.get(CommitRow, (repo.id, oid)).tree_oid)


def install(hub: Hub) -> None:
    hub.pull_request_opener = open_for_commit
    if on_commit not in hub.post_commit_hooks:
        hub.on_commit(on_commit)
