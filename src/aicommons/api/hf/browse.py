"""Listing a repo: tree, paths-info, refs and commit history."""

from __future__ import annotations

import html
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of
from aicommons.api.hf.context import json_body, query_flag, readable_repo
from aicommons.api.hf.dates import iso_date
from aicommons.api.hf.entries import add_last_commits, list_tree, paths_info
from aicommons.api.hf.urls import next_page_link, parse_cursor, repo_type_of, revision_and_path, revision_of, \
    route_tail
from aicommons.errors import InvalidInput
from aicommons.repos import revisions
from aicommons.repos.reading import history, list_refs, snapshot

router = APIRouter(tags=["huggingface"])

TREE_PAGE = 1000
TREE_PAGE_EXPANDED = 50  # last-commit lookups walk history, so expanded pages are smaller
COMMITS_PAGE = 50
MAX_PATHS_INFO = 10_000


@router.get("/api/{kind:repokind}/{namespace}/{name}/tree/{rest:path}",
            summary="List a folder at a revision (its sub-path percent-encoded)")
def tree(kind: str, namespace: str, name: str, request: Request, response: Response,
         cursor: str | None = None, limit: int | None = None) -> list[dict]:
    hub = hub_of(request)
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    revision, directory = revision_and_path(route_tail(request))
    snap = snapshot(hub, repo, revision)
    recursive = query_flag(request, "recursive")
    expand = query_flag(request, "expand")
    start = parse_cursor(cursor)
    page = min(limit or TREE_PAGE, TREE_PAGE_EXPANDED if expand else TREE_PAGE)
    if page < 1:
        raise InvalidInput("limit", "limit must be at least 1")
    entries = list_tree(hub, snap, directory, recursive)
    items = entries[start:start + page]
    if expand:
        add_last_commits(hub, repo.id, snap.commit_oid, items)
    if start + page < len(entries):
        # later pages name the commit, so a branch moving meanwhile cannot shift them
        path = f"/api/{kind}/{namespace}/{name}/tree/{snap.commit_oid}"
        if directory:
            path += "/" + quote(directory.strip("/"), safe="")
        response.headers["Link"] = next_page_link(request, path, start + page)
    return items


@router.post("/api/{kind:repokind}/{namespace}/{name}/paths-info/{rest:path}",
             summary="Entries for the given paths (form-encoded, repeated `paths`)")
async def post_paths_info(kind: str, namespace: str, name: str, request: Request) -> list[dict]:
    paths, expand = await _paths_request(request)
    return await run_in_threadpool(_paths_info, request, kind, namespace, name, paths, expand)


async def _paths_request(request: Request) -> tuple[list[str], bool]:
    """``paths`` and ``expand`` from a form (as the client sends them) or a JSON body."""
    if request.headers.get("content-type", "").startswith("application/json"):
        data = await json_body(request)
        paths, expand = data.get("paths", []), bool(data.get("expand", False))
    else:
        form = await request.form(max_fields=MAX_PATHS_INFO + 10)
        paths = form.getlist("paths")
        expand = any(str(v).lower() in ("1", "true") for v in form.getlist("expand"))
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise InvalidInput("paths", "paths must be a list of strings")
    if len(paths) > MAX_PATHS_INFO:
        raise InvalidInput("paths", f"at most {MAX_PATHS_INFO} paths per request")
    return paths, expand


def _paths_info(request: Request, kind: str, namespace: str, name: str, paths: list[str], expand: bool) -> list[dict]:
    hub = hub_of(request)
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    snap = snapshot(hub, repo, revision_of(route_tail(request)))
    items = paths_info(hub, snap, paths)
    if expand:
        add_last_commits(hub, repo.id, snap.commit_oid, items)
    return items


@router.get("/api/{kind:repokind}/{namespace}/{name}/refs", summary="Branches, tags and pull requests")
def refs(kind: str, namespace: str, name: str, request: Request) -> dict:
    hub = hub_of(request)
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    out: dict[str, list] = {"branches": [], "tags": [], "converts": []}
    include_prs = query_flag(request, "include_prs")
    if include_prs:
        out["pullRequests"] = []
    groups = {"refs/heads/": "branches", "refs/tags/": "tags", "refs/convert/": "converts"}
    for ref in list_refs(hub, repo):
        item = {"name": ref.name, "ref": ref.name, "targetCommit": ref.commit_oid}
        if revisions.PR_REF.match(ref.name):
            if include_prs:
                out["pullRequests"].append(item)
            continue
        for prefix, group in groups.items():
            if ref.name.startswith(prefix):
                out[group].append({**item, "name": ref.name[len(prefix):]})
    return out


@router.get("/api/{kind:repokind}/{namespace}/{name}/commits/{rest:path}", summary="Commit history of a revision")
def commits(kind: str, namespace: str, name: str, request: Request, response: Response,
            cursor: str | None = None, limit: int | None = None) -> list[dict]:
    hub = hub_of(request)
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    snap = snapshot(hub, repo, revision_of(route_tail(request)))
    start = parse_cursor(cursor)
    page = min(limit or COMMITS_PAGE, TREE_PAGE)
    rows = history(hub, repo, snap.commit_oid, limit=page + 1, offset=start)
    formatted = "formatted" in request.query_params.getlist("expand[]") + request.query_params.getlist("expand")
    items = []
    for row in rows[:page]:
        item = {"id": row.oid, "title": row.title, "message": row.message, "date": iso_date(row.created_at),
                "authors": [{"user": row.author_name}]}
        if formatted:
            item["formatted"] = {"title": html.escape(row.title), "message": html.escape(row.message)}
        items.append(item)
    if len(rows) > page:
        response.headers["Link"] = next_page_link(
            request, f"/api/{kind}/{namespace}/{name}/commits/{snap.commit_oid}", start + page)
    return items
