"""Discussions and pull requests: ``get_repo_discussions`` ... ``merge_pull_request``, and reports."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from aicommons.api.params import RowId
from aicommons.api.app import hub_of, principal_of
from aicommons.api.hf.community.shapes import discussion_summary, event_json
from aicommons.api.hf.context import author_of, json_body, readable_repo
from aicommons.api.hf.urls import repo_type_of
from aicommons.community import discussions, pulls, reports
from aicommons.errors import InvalidInput

router = APIRouter()
BASE = "/api/{kind:repokind}/{namespace}/{name}/discussions"
PAGE_SIZE = 50


def _repo(request: Request, kind: str, namespace: str, name: str):
    return readable_repo(request, repo_type_of(kind), namespace, name)


def _string(data: dict, key: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidInput(key, f"'{key}' must be a string")
    return value


@router.get(BASE, summary="List discussions and pull requests, newest first (page `p`)")
def list_discussions(kind: str, namespace: str, name: str, request: Request, p: int = 0, type: str = "all",
                     status: str = "all", author: str | None = None) -> dict:
    if p < 0:
        raise InvalidInput("p", "the page number starts at 0")
    repo = _repo(request, kind, namespace, name)
    views, total = discussions.list_discussions(hub_of(request), principal_of(request), repo, kind=type, status=status,
                                                author=author, offset=p * PAGE_SIZE, limit=PAGE_SIZE)
    return {"discussions": [discussion_summary(v) for v in views], "count": total, "start": p * PAGE_SIZE}


@router.post(BASE, summary="Open a discussion, or a draft pull request with `pullRequest: true`")
async def create(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)
    return await run_in_threadpool(_create, request, kind, namespace, name, data)


def _create(request: Request, kind: str, namespace: str, name: str, data: dict) -> dict:
    hub, principal = hub_of(request), principal_of(request)
    repo = _repo(request, kind, namespace, name)
    title, description = _string(data, "title"), _string(data, "description", required=False) or ""
    if data.get("pullRequest"):
        view = pulls.open_pull_request(hub, principal, repo, title, description)
    else:
        view = discussions.create_discussion(hub, principal, repo, title, description)
    return {**discussion_summary(view), "num": view.number}


@router.get(BASE + "/{num}", summary="A discussion with its events; pull requests with their diff (`diff=1`)")
def details(kind: str, namespace: str, name: str, num: RowId, request: Request, diff: bool = False) -> dict:
    hub = hub_of(request)
    repo = _repo(request, kind, namespace, name)
    view = discussions.get_discussion(hub, principal_of(request), repo, num)
    out = {**discussion_summary(view), "events": [event_json(e) for e in view.events]}
    if view.is_pull_request:
        changes = pulls.changes(hub, repo, view)
        out["changes"] = {"base": view.base_ref, **({"mergeCommitId": view.merge_commit_oid}
                                                     if view.merge_commit_oid else {})}
        out["filesWithConflicts"] = list(changes.conflicts)
        if diff:
            out["diff"] = pulls.diff_text(hub, changes)
    return out


@router.post(BASE + "/{num}/comment", summary="Comment on a discussion")
async def comment(kind: str, namespace: str, name: str, num: RowId, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = _repo(request, kind, namespace, name)
        event = discussions.add_comment(hub_of(request), principal_of(request), repo, num, _string(data, "comment"))
        return {"newMessage": event_json(event)}

    return await run_in_threadpool(run)


@router.post(BASE + "/{num}/comment/{comment_id}/edit", summary="Edit a comment")
async def edit_comment(kind: str, namespace: str, name: str, num: RowId, comment_id: str, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = _repo(request, kind, namespace, name)
        event = discussions.edit_comment(hub_of(request), principal_of(request), repo, num, comment_id,
                                         _string(data, "content"))
        return {"updatedComment": event_json(event)}

    return await run_in_threadpool(run)


@router.post(BASE + "/{num}/comment/{comment_id}/hide", summary="Hide a comment for good")
def hide_comment(kind: str, namespace: str, name: str, num: RowId, comment_id: str, request: Request) -> dict:
    repo = _repo(request, kind, namespace, name)
    event = discussions.hide_comment(hub_of(request), principal_of(request), repo, num, comment_id)
    return {"updatedComment": event_json(event)}


@router.post(BASE + "/{num}/title", summary="Rename a discussion")
async def rename(kind: str, namespace: str, name: str, num: RowId, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = _repo(request, kind, namespace, name)
        event = discussions.rename(hub_of(request), principal_of(request), repo, num, _string(data, "title"))
        return {"newTitle": event_json(event)}

    return await run_in_threadpool(run)


@router.post(BASE + "/{num}/status", summary="Close or reopen a discussion (`open` publishes a draft)")
async def status(kind: str, namespace: str, name: str, num: RowId, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = _repo(request, kind, namespace, name)
        event = discussions.change_status(hub_of(request), principal_of(request), repo, num, _string(data, "status"),
                                          _string(data, "comment", required=False))
        return {"newStatus": event_json(event)}

    return await run_in_threadpool(run)


@router.post(BASE + "/{num}/merge", summary="Merge a published pull request into its base branch")
async def merge(kind: str, namespace: str, name: str, num: RowId, request: Request) -> dict:
    data = await json_body(request)  # the client sends no body, or {"comment": ...}

    def run():
        hub, principal = hub_of(request), principal_of(request)
        repo = _repo(request, kind, namespace, name)
        view = pulls.merge(hub, principal, repo, num, author_of(hub, principal),
                           _string(data, "comment", required=False))
        return {"status": view.status, "mergeCommitId": view.merge_commit_oid}

    return await run_in_threadpool(run)


@router.post("/api/{kind:repokind}/{namespace}/{name}/reports",
             summary="Report a repo or one of its files (security, license, harmful, bias, claims)")
async def report(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = _repo(request, kind, namespace, name)
        view = reports.open_report(hub_of(request), principal_of(request), repo, _string(data, "type"),
                                   _string(data, "title"), _string(data, "description"),
                                   _string(data, "path", required=False))
        return discussion_summary(view)

    return await run_in_threadpool(run)


@router.get("/api/reports", summary="Open reports on the repos the caller maintains (every repo for admins)")
def report_queue(request: Request, status: str = "open") -> list[dict]:
    if status not in ("open", "all"):
        raise InvalidInput("status", "status must be 'open' or 'all'")
    return [discussion_summary(v) for v in reports.report_queue(hub_of(request), principal_of(request), status)]
