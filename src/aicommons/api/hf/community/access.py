"""Gated access: ``list_*_access_requests``, ``accept/reject/cancel_access_request``, ``grant_access``,
``auth_check``, and ``POST /{id}/ask-access`` (the request a user makes, with the gate form's answers)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of, principal_of
from aicommons.api.auth import bearer_token
from aicommons.api.hf.dates import iso_date
from aicommons.api.hf.community.shapes import user_json
from aicommons.api.hf.context import json_body, readable_repo
from aicommons.api.hf.urls import next_page_link, parse_cursor, repo_type_of
from aicommons.community import gating
from aicommons.errors import InvalidInput, Unauthorized
from aicommons.repos.names import RepoType

router = APIRouter()
BASE = "/api/{kind:repokind}/{namespace}/{name}/user-access-request"
PAGE_SIZE = 100


@router.get(BASE + "/{status}", summary="Access requests of a gated repo by status (Link-paginated)")
def list_requests(kind: str, namespace: str, name: str, status: str, request: Request, response: Response,
                  cursor: str | None = None) -> list[dict]:
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    found = gating.list_requests(hub_of(request), principal_of(request), repo, status)
    start = parse_cursor(cursor)
    if start + PAGE_SIZE < len(found):
        response.headers["Link"] = next_page_link(request, request.url.path, start + PAGE_SIZE)
    return [{"user": user_json(r.user, r.fullname, email=r.email), "requestId": r.id, "status": r.status,
             "timestamp": iso_date(r.timestamp), "fields": r.fields,
             **({"rejectionReason": r.rejection_reason} if r.rejection_reason else {})}
            for r in found[start:start + PAGE_SIZE]]


@router.post(BASE + "/handle", summary="Accept, reject or cancel (back to pending) an access request")
async def handle(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = readable_repo(request, repo_type_of(kind), namespace, name)
        view = gating.handle_request(hub_of(request), principal_of(request), repo, data.get("status"),
                                     user=data.get("user"), request_id=data.get("requestId"),
                                     rejection_reason=data.get("rejectionReason"))
        return {"status": view.status}

    return await run_in_threadpool(run)


@router.post(BASE + "/grant", summary="Give a user access to a gated repo")
async def grant(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)

    def run():
        repo = readable_repo(request, repo_type_of(kind), namespace, name)
        user = data.get("user")
        if not isinstance(user, str):
            raise InvalidInput("user", "name the 'user' to give access to")
        view = gating.grant_access(hub_of(request), principal_of(request), repo, user)
        return {"status": view.status}

    return await run_in_threadpool(run)


@router.get("/api/{kind:repokind}/{namespace}/{name}/auth-check", summary="May the caller download this repo's files")
def auth_check(kind: str, namespace: str, name: str, request: Request) -> dict:
    principal = principal_of(request)
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    gating.check_access(hub_of(request), principal, repo)
    return {"access": "granted"}


@router.post("/datasets/{namespace}/{name}/ask-access", summary="Ask for access to a gated dataset")
async def ask_dataset_access(namespace: str, name: str, request: Request) -> dict:
    return await _ask(request, RepoType.DATASET, namespace, name)


@router.post("/{namespace}/{name}/ask-access", summary="Ask for access to a gated model (the gate form's answers)")
async def ask_model_access(namespace: str, name: str, request: Request) -> dict:
    return await _ask(request, RepoType.MODEL, namespace, name)


async def _ask(request: Request, repo_type: RepoType, namespace: str, name: str) -> dict:
    # pages post their form to a route of their own (CSRF-checked); here the caller must bring a token
    if bearer_token(request) is None:
        raise Unauthorized("Ask for access with a token, or from the repo's page")
    if request.headers.get("content-type", "").startswith("application/json"):
        answers = await json_body(request)
    else:
        answers = {key: value for key, value in (await request.form()).items()}

    def run():
        repo = readable_repo(request, repo_type, namespace, name)
        return {"status": gating.ask_access(hub_of(request), principal_of(request), repo, answers)}

    return await run_in_threadpool(run)
