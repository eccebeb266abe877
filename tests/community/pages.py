"""Signed-in browsers for the page tests: a session cookie made by the hub's own codec (the sign-in form
itself is the web area's to test), and forms posted with the CSRF token of the page that shows them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from aicommons.web.session import COOKIE_NAME, SessionCodec, sign_in_session


def session_cookie(hub, user) -> str:
    return SessionCodec(hub.settings.secret_key).encode(sign_in_session(hub, user.name))


def sign_in(client: TestClient, hub, user) -> TestClient:
    client.cookies.set(COOKIE_NAME, session_cookie(hub, user))
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def post_form(client: TestClient, page_url: str, action: str, data: dict):
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    return client.post(action, data={"csrf_token": csrf_of(page.text), **data}, follow_redirects=False)
