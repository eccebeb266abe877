"""Who asks for which repo: the access checks every HF route starts with, and small request helpers."""

from __future__ import annotations

import json

from fastapi import Request

from aicommons.accounts.access import check_admin, check_write
from aicommons.accounts.principal import Principal
from aicommons.api.app import hub_of, principal_of
from aicommons.errors import InvalidInput, Unauthorized
from aicommons.hub import Hub
from aicommons.repos.manage import find_repo, visible_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.storage.tables import Account, Repo

MAX_JSON_BODY = 16 * 1024 * 1024


def readable_repo(request: Request, repo_type: RepoType, namespace: str, name: str) -> Repo:
    """The repo, or RepoNotFound (404) when it does not exist or the caller may not see it."""
    return visible_repo(hub_of(request), principal_of(request), repo_type, f"{namespace}/{name}")


def writable_repo(request: Request, repo_type: RepoType, namespace: str, name: str) -> tuple[Repo, Principal]:
    principal = require_signed_in(request)
    repo_id = f"{namespace}/{name}"
    return check_write(principal, find_repo(hub_of(request), repo_type, repo_id), repo_id), principal


def administered_repo(request: Request, repo_type: RepoType, repo_id: str) -> Repo:
    principal = require_signed_in(request)
    return check_admin(principal, find_repo(hub_of(request), repo_type, repo_id), repo_id)


def require_signed_in(request: Request) -> Principal:
    principal = principal_of(request)
    if principal.anonymous:
        raise Unauthorized("This needs a token: pass one with `token=` or set HF_TOKEN")
    return principal


def author_of(hub: Hub, principal: Principal) -> Signature:
    """The commit signature of a signed-in user: their account e-mail, or a stable local address."""
    with hub.db.read() as session:
        account = session.get(Account, principal.user_id) if principal.user_id is not None else None
        email = account.email if account is not None and account.email else None
    return Signature(principal.name, email or f"{principal.name}@users.aicommons.local")


async def json_body(request: Request, limit: int = MAX_JSON_BODY) -> dict:
    """The request's JSON object, or InvalidInput naming what is wrong with it."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise InvalidInput("body", f"request body larger than {limit} bytes")
    try:
        data = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput("body", f"request body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", "request body must be a JSON object")
    return data


def query_flag(request: Request, name: str) -> bool:
    """Booleans as the client sends them (``true``/``1``), repeated keys included."""
    return any(v.lower() in ("1", "true", "yes") for v in request.query_params.getlist(name))
