"""Signing in with a password and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from aicommons.accounts.service import verify_password
from aicommons.web.routing import WebRoute, checked_form, see_other
from aicommons.web.session import clear_cookie_header, cookie_header, sign_in_session
from aicommons.web.templates import is_https, render

router = APIRouter(route_class=WebRoute)


def safe_next(target: str | None) -> str:
    """Only a path on this hub: never another site (//evil.example) after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    if request.state.web_user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login", dependencies=[Depends(checked_form)])
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")):
    hub = request.app.state.hub
    with hub.db.read() as session:
        user = verify_password(session, username.strip(), password)
    if user is None:
        return render(request, "login.html", {"next": safe_next(next), "username": username,
                                              "error": "Wrong user name or password."}, status=401)
    response = see_other(safe_next(next), "signed-in")
    response.headers.append("set-cookie", cookie_header(request.app.state.web_codec, sign_in_session(hub, user.name),
                                                        secure=is_https(request)))
    return response


@router.post("/logout", dependencies=[Depends(checked_form)])
def logout(request: Request):
    response = see_other("/", "signed-out")
    response.headers.append("set-cookie", clear_cookie_header(secure=is_https(request)))
    return response
