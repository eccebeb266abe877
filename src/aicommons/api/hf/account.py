"""Calls about the caller and the client itself: ``whoami-v2``, ``validate-yaml`` and ``agent-harnesses``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from aicommons.api.app import hub_of
from aicommons.api.hf.context import json_body, require_signed_in
from aicommons.cards.frontmatter import validate_card
from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType
from aicommons.storage.tables import Account

router = APIRouter(tags=["huggingface"])


@router.get("/api/whoami-v2", summary="The account behind the token")
def whoami(request: Request) -> dict:
    principal = require_signed_in(request)
    with hub_of(request).db.read() as session:
        account = session.get(Account, principal.user_id)
        fullname, email = account.fullname, account.email
    orgs = [{"type": "org", "name": org_name, "roleInOrg": principal.org_roles[org_id]}
            for org_id, org_name in sorted(principal.org_names.items(), key=lambda item: item[1])]
    if principal.token_name is not None:
        auth = {"type": "access_token",
                "accessToken": {"displayName": principal.token_name, "role": principal.token_role}}
    else:
        auth = {"type": "cookie"}
    return {"type": "user", "id": str(principal.user_id), "name": principal.name,
            "fullname": fullname or principal.name, "email": email, "isPro": False, "canPay": False, "orgs": orgs,
            "auth": auth}


@router.post("/api/validate-yaml", summary="Check a card's YAML front matter")
async def validate_yaml(request: Request) -> JSONResponse:
    # the client reads the body as JSON before it looks at the status, so errors are JSON too
    data = await json_body(request)
    content = data.get("content")
    if not isinstance(content, str):
        raise InvalidInput("content", "'content' (the README text) is required")
    report = validate_card(content, str(RepoType.parse(data.get("repoType"))))
    return JSONResponse({"errors": report.errors, "warnings": report.warnings},
                        status_code=400 if report.errors else 200)


@router.get("/api/agent-harnesses", summary="Coding-agent integrations the client may set up (none here)")
def agent_harnesses() -> dict:
    return {"standardEnvVars": [], "harnesses": {}}
