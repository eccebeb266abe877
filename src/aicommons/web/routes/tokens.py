"""Access tokens: create one with a role (its value is shown once), list and revoke them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from aicommons.accounts.principal import Principal
from aicommons.accounts.service import create_token, require_account, revoke_token
from aicommons.errors import InvalidInput
from aicommons.storage.tables import ApiToken
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in
from aicommons.web.templates import render

router = APIRouter(route_class=WebRoute)
PAGE = "/settings/tokens"


def _page(request: Request, principal: Principal, status: int = 200, **context):
    with request.app.state.hub.db.read() as session:
        tokens = list(session.scalars(select(ApiToken).where(ApiToken.user_id == principal.user_id)
                                      .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
    endpoint = str(request.base_url).rstrip("/")
    return render(request, "tokens.html", {"tokens": tokens, "endpoint": endpoint, **context}, status=status)


@router.get(PAGE)
def tokens_page(request: Request, principal: Principal = Depends(signed_in)):
    return _page(request, principal)


@router.post(PAGE)
def new_token(request: Request, principal: Principal = Depends(form_user), name: str = Form(""),
              role: str = Form("read")):
    name = name.strip()
    if not name:
        return _page(request, principal, 400, error="Give the token a name, so you can tell it apart later.",
                     form_role=role)
    try:
        with request.app.state.hub.db.write() as session:
            token, row = create_token(session, require_account(session, principal.name, "user"), role, name)
    except InvalidInput as error:
        return _page(request, principal, 400, error=error.message, form_name=name)
    # shown in this answer only (the hub keeps just a hash of it), and never stored by the browser cache
    response = _page(request, principal, new_token=token, new_token_name=row.name)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(PAGE + "/{token_id}/revoke")
def revoke(request: Request, token_id: int, principal: Principal = Depends(form_user)):
    with request.app.state.hub.db.write() as session:
        revoke_token(session, require_account(session, principal.name, "user"), token_id)
    return see_other(PAGE, "token-revoked")
