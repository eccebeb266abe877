"""What every page route shares: friendly HTML errors, security headers, CSRF-checked forms, sign-in."""

from __future__ import annotations

import logging
from typing import Callable
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from aicommons import errors
from aicommons.accounts.principal import Principal
from aicommons.api.auth import bearer_token, principal_from_request
from aicommons.api.errors import STATUS
from aicommons.web.session import CSRF_FIELD, SessionCodec
from aicommons.web.templates import render

log = logging.getLogger(__name__)

# scripts and styles come from the hub only, so even a sanitiser bug could not run a card's script
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data: https: http:; object-src 'none'; base-uri 'self'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-cache",  # pages differ by viewer and change with every commit
}

ERROR_TITLES = {
    400: "That did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    409: "Already exists",
    412: "Changed meanwhile",
    500: "Something went wrong",
}


class CsrfFailed(errors.Forbidden):
    pass


class WebRoute(APIRoute):
    """A page route: errors become friendly pages with the right status, responses get security headers."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except errors.HubError as error:
                response = error_page(request, _status_of(error), error.message)
            except RequestValidationError as error:
                problems = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in error.errors())
                response = error_page(request, 400, f"The request was not understood ({problems}).")
            except HTTPException as error:
                response = error_page(request, error.status_code, str(error.detail))
            except Exception:
                log.exception("page %s failed", request.url.path)
                response = error_page(request, 500, "The hub hit an unexpected error. It has been logged.")
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page


def _status_of(error: errors.HubError) -> int:
    if isinstance(error, errors.GatedRepo):
        return 403 if error.authenticated else 401
    return next((status for kind, status, _ in STATUS if isinstance(error, kind)), 400)


def error_page(request: Request, status: int, message: str) -> Response:
    if status == 401 and bearer_token(request) is None:  # a browser: offer to sign in
        return sign_in_redirect(request)
    title = ERROR_TITLES.get(status, "That did not work")
    if status == 404:
        # the same words whether the thing is missing or private, so a 404 never leaks existence
        message = "There is nothing here, or you may not see it. Check the address."
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def sign_in_redirect(request: Request) -> RedirectResponse:
    if request.method != "GET":  # a form posted without a session: coming back to its URL would not repost it
        return RedirectResponse("/login", status_code=303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def see_other(url: str, notice: str | None = None) -> RedirectResponse:
    """Redirect after a successful form post, so a reload never posts twice."""
    separator = "&" if "?" in url else "?"
    return RedirectResponse(url + (f"{separator}notice={notice}" if notice else ""), status_code=303)


def viewer(request: Request) -> Principal:
    """Who is looking at a page (anonymous when nobody is signed in)."""
    return principal_from_request(request.app.state.hub, request)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched this browser's session.

    Only then may the session cookie stand for the user on an unsafe request.
    """
    form = await request.form()
    codec: SessionCodec = request.app.state.web_codec
    token = form.get(CSRF_FIELD)
    if not codec.csrf_ok(getattr(request.state, "web_session", None), token if isinstance(token, str) else None):
        raise CsrfFailed("This form has expired or did not come from this hub. Reload the page and try again.")
    if getattr(request.state, "web_user", None) is not None:
        request.state.session_principal = request.state.web_user
    return form


def signed_in(request: Request) -> Principal:
    """The signed-in viewer of a page; anonymous visitors are sent to the sign-in page."""
    principal = viewer(request)
    if principal.anonymous:
        raise errors.Unauthorized("Sign in to continue")
    return principal


def form_user(request: Request, _form: FormData = Depends(checked_form)) -> Principal:
    """The signed-in user behind a CSRF-checked form post."""
    return signed_in(request)
