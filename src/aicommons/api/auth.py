"""Who is calling: a bearer token (API clients) or a signed-in browser session (pages)."""

from __future__ import annotations

from fastapi import Request

from aicommons.accounts.principal import ANONYMOUS, Principal
from aicommons.accounts.service import principal_for_token
from aicommons.errors import Unauthorized
from aicommons.hub import Hub


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def principal_from_request(hub: Hub, request: Request) -> Principal:
    """Bearer token first; a browser session (set by the pages) otherwise; anonymous when neither.

    An invalid token is an error rather than anonymous access, so a typo never silently hides private repos.
    """
    token = bearer_token(request)
    if token is not None:
        with hub.db.read() as session:
            principal = principal_for_token(session, token)
        if principal is None:
            raise Unauthorized("Invalid credentials in Authorization header")
        return principal
    session_principal = getattr(request.state, "session_principal", None)
    return session_principal or ANONYMOUS
