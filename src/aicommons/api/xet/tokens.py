"""The Hub routes that hand out Xet access tokens: ``xet-read-token`` for downloads, ``xet-write-token`` for
uploads. huggingface_hub reads the token from the headers, hf_xet from the JSON body, so both carry it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select

from aicommons.accounts.access import check_read, check_write
from aicommons.accounts.service import hash_token
from aicommons.api.app import hub_of, principal_of
from aicommons.api.auth import bearer_token
from aicommons.errors import InvalidInput, Unauthorized
from aicommons.hub import DownloadRequest
from aicommons.repos import revisions
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from aicommons.storage.tables import ApiToken
from aicommons.xet import tokens
from aicommons.api.xet.urls import cas_url

router = APIRouter(tags=["xet"])
REPO_KINDS = {"models": RepoType.MODEL, "datasets": RepoType.DATASET}


@router.get("/api/{kind}/{namespace}/{name}/xet-read-token/{revision:path}")
async def xet_read_token(request: Request, kind: str, namespace: str, name: str, revision: str) -> JSONResponse:
    """A short-lived token to download this repo's files through Xet."""
    return await run_in_threadpool(_issue, request, kind, f"{namespace}/{name}", revision, tokens.READ, False)


@router.get("/api/{kind}/{namespace}/{name}/xet-write-token/{revision:path}")
async def xet_write_token(request: Request, kind: str, namespace: str, name: str, revision: str,
                          create_pr: bool = False) -> JSONResponse:
    """A short-lived token to upload files to this repo through Xet (the commit then names them by sha256)."""
    return await run_in_threadpool(_issue, request, kind, f"{namespace}/{name}", revision, tokens.WRITE, create_pr)


def _issue(request: Request, kind: str, repo_id: str, revision: str, scope: str, create_pr: bool) -> JSONResponse:
    hub = hub_of(request)
    if kind not in REPO_KINDS:
        raise InvalidInput("repo_type", f"unknown repo type {kind!r}; use models or datasets")
    principal = principal_of(request)
    repo = find_repo(hub, REPO_KINDS[kind], repo_id)
    if scope == tokens.WRITE:
        if principal.anonymous:
            raise Unauthorized("Sign in (a write token in the Authorization header) to upload files")
        check_write(principal, repo, repo_id)
    else:
        check_read(principal, repo, repo_id)
        hub.check_download(principal, repo, DownloadRequest(None, None))  # a gated repo's files need access
    with hub.db.read() as session:
        if not create_pr:  # a new pull request names no revision yet (the client sends "None")
            revisions.resolve(session, repo.id, revision)
        bearer = bearer_token(request)
        api_token_id = session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(bearer))) \
            if bearer else None
    token, expires = tokens.issue(hub.settings.secret_key, repo.id, scope, principal, api_token_id)
    base = cas_url(request)
    return JSONResponse(
        {"casUrl": base, "accessToken": token, "exp": expires},
        headers={"X-Xet-Cas-Url": base, "X-Xet-Access-Token": token, "X-Xet-Token-Expiration": str(expires)},
    )
