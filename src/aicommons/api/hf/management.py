"""Creating and deleting repos, their settings, branches and tags."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of, principal_of
from aicommons.api.errors import error_response
from aicommons.api.hf.context import administered_repo, json_body, require_signed_in, writable_repo
from aicommons.api.hf.urls import repo_type_of, repo_url, revision_of, route_tail
from aicommons.community import repo_settings
from aicommons.errors import Conflict, InvalidInput
from aicommons.repos import manage
from aicommons.repos.names import RepoType

router = APIRouter(tags=["huggingface"])


def _repo_identity(request: Request, data: dict) -> tuple[RepoType, str]:
    """(type, "namespace/name") from a create/delete body; the namespace defaults to the caller."""
    name, organization = data.get("name"), data.get("organization")
    if not isinstance(name, str) or not name:
        raise InvalidInput("name", "the repo 'name' is required")
    if "/" in name and not organization:
        organization, name = name.split("/", 1)
    if organization is not None and not isinstance(organization, str):
        raise InvalidInput("organization", "'organization' must be a string")
    namespace = organization or require_signed_in(request).name
    return RepoType.parse(data.get("type")), f"{namespace}/{name}"


@router.post("/api/repos/create", summary="Create a repo (409 with its url when it exists)")
async def create_repo(request: Request):
    data = await json_body(request)
    return await run_in_threadpool(_create, request, data)


def _create(request: Request, data: dict):
    principal = require_signed_in(request)
    repo_type, repo_id = _repo_identity(request, data)
    visibility = data.get("visibility")
    if visibility not in (None, "public", "private"):
        raise InvalidInput("visibility", f"unknown visibility {visibility!r}; use 'public' or 'private'")
    private = visibility == "private" if visibility else bool(data.get("private", False))
    url = repo_url(request, repo_type, repo_id)
    try:
        repo = manage.create_repo(hub_of(request), principal, repo_type, repo_id, private=private)
    except Conflict as error:
        return error_response(409, error.message, body={"url": url})
    return {"url": url, "name": repo.repo_id, "id": str(repo.id)}


@router.delete("/api/repos/delete", summary="Delete a repo and everything in it")
async def delete_repo(request: Request) -> dict:
    data = await json_body(request)
    await run_in_threadpool(_delete, request, data)
    return {}


def _delete(request: Request, data: dict) -> None:
    repo_type, repo_id = _repo_identity(request, data)
    manage.delete_repo(hub_of(request), administered_repo(request, repo_type, repo_id))


@router.put("/api/{kind:repokind}/{namespace}/{name}/settings",
            summary="Change a repo's visibility, gating (`gated`: false, auto, manual) or `discussionsDisabled`")
async def update_settings(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)
    return await run_in_threadpool(_settings, request, kind, namespace, name, data)


def _settings(request: Request, kind: str, namespace: str, name: str, data: dict) -> dict:
    repo = administered_repo(request, repo_type_of(kind), f"{namespace}/{name}")
    private = data.get("private")
    if data.get("visibility") is not None:
        if data["visibility"] not in ("public", "private"):
            raise InvalidInput("visibility", "visibility must be 'public' or 'private' ('protected' is for Spaces)")
        if private is not None:
            raise InvalidInput("visibility", "give either 'private' or 'visibility', not both")
        private = data["visibility"] == "private"
    result = repo_settings.update_settings(hub_of(request), principal_of(request), repo, private=private,
                                           gated=data["gated"] if "gated" in data else repo_settings.UNCHANGED,
                                           discussions_disabled=data.get("discussionsDisabled"))
    return {"private": result.private, "gated": result.gated or False,
            "discussionsDisabled": result.discussions_disabled}


@router.post("/api/{kind:repokind}/{namespace}/{name}/branch/{rest:path}", summary="Create a branch")
async def create_branch(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)
    return await run_in_threadpool(_create_branch, request, kind, namespace, name, data)


def _create_branch(request: Request, kind: str, namespace: str, name: str, data: dict) -> dict:
    repo, _ = writable_repo(request, repo_type_of(kind), namespace, name)
    start = data.get("startingPoint")
    if start is not None and not isinstance(start, str):
        raise InvalidInput("startingPoint", "'startingPoint' must be a revision")
    oid = manage.create_branch(hub_of(request), repo, revision_of(route_tail(request)), start)
    return {"targetCommit": oid}


@router.delete("/api/{kind:repokind}/{namespace}/{name}/branch/{rest:path}", summary="Delete a branch")
def delete_branch(kind: str, namespace: str, name: str, request: Request) -> dict:
    repo, _ = writable_repo(request, repo_type_of(kind), namespace, name)
    manage.delete_ref(hub_of(request), repo, f"refs/heads/{revision_of(route_tail(request))}")
    return {}


@router.post("/api/{kind:repokind}/{namespace}/{name}/tag/{rest:path}", summary="Tag a revision")
async def create_tag(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)
    return await run_in_threadpool(_create_tag, request, kind, namespace, name, data)


def _create_tag(request: Request, kind: str, namespace: str, name: str, data: dict) -> dict:
    repo, _ = writable_repo(request, repo_type_of(kind), namespace, name)
    tag, message = data.get("tag"), data.get("message")
    if not isinstance(tag, str) or (message is not None and not isinstance(message, str)):
        raise InvalidInput("tag", "the body needs a 'tag' name (and optionally a 'message')")
    oid = manage.create_tag(hub_of(request), repo, tag, revision_of(route_tail(request)), message)
    return {"targetCommit": oid}


@router.delete("/api/{kind:repokind}/{namespace}/{name}/tag/{rest:path}", summary="Delete a tag")
def delete_tag(kind: str, namespace: str, name: str, request: Request) -> dict:
    repo, _ = writable_repo(request, repo_type_of(kind), namespace, name)
    manage.delete_ref(hub_of(request), repo, f"refs/tags/{revision_of(route_tail(request))}")
    return {}
