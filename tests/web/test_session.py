"""Sessions: signed cookies, CSRF on every form, and the API never trusting a cookie for a write without it."""

from __future__ import annotations

import time

from fastapi import Request
from fastapi.testclient import TestClient
from web_helpers import csrf_of, post_form, sign_in

from aicommons.accounts.service import require_account, set_password
from aicommons.api.app import create_app, principal_of
from aicommons.web.routes.auth import safe_next
from aicommons.web.session import COOKIE_NAME, SessionCodec, WebSession


def test_codec_round_trip_and_rejects_forgery_and_age():
    codec = SessionCodec(b"k" * 32)
    session = WebSession.fresh(7, "mark")
    decoded = codec.decode(codec.encode(session))
    assert (decoded.user_id, decoded.nonce, decoded.password_mark) == (7, session.nonce, "mark")

    body, _, signature = codec.encode(session).rpartition(".")
    forged_body = codec.encode(WebSession.fresh(1, "mark")).rpartition(".")[0]
    assert codec.decode(f"{forged_body}.{signature}") is None  # another payload under this signature
    assert SessionCodec(b"other key" * 4).decode(codec.encode(session)) is None
    assert codec.decode("garbage") is None and codec.decode("a.b") is None and codec.decode(None) is None
    old = WebSession(7, "n", int(time.time()) - 15 * 24 * 3600, "mark")
    assert codec.decode(codec.encode(old)) is None


def test_csrf_token_is_bound_to_its_session():
    codec = SessionCodec(b"k" * 32)
    mine, theirs = WebSession.fresh(), WebSession.fresh()
    assert codec.csrf_ok(mine, codec.csrf_token(mine))
    assert not codec.csrf_ok(mine, codec.csrf_token(theirs))
    assert not codec.csrf_ok(None, codec.csrf_token(mine))
    assert not codec.csrf_ok(mine, "")


def test_sign_in_sets_a_protected_cookie_and_sign_out_clears_it(client, alice):
    form = client.get("/login")
    response = client.post("/login", data={"username": "alice", "password": alice.password,
                                           "csrf_token": csrf_of(form.text), "next": "/alice"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/alice?notice=signed-in"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ">alice</span>" in client.get("/").text  # the header shows who is signed in

    response = post_form(client, "/", "/logout", {})
    assert response.status_code == 303 and "Max-Age=0" in response.headers["set-cookie"]
    assert "Sign in" in client.get("/").text


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, alice):
    for name, password in (("alice", "not her password"), ("nobody", "whatever1")):
        response = post_form(client, "/login", "/login", {"username": name, "password": password})
        assert response.status_code == 401
        assert "Wrong user name or password." in response.text
    assert client.get("/settings/tokens", follow_redirects=False).status_code == 303  # still signed out


def test_forms_without_a_valid_csrf_token_change_nothing(client, alice, hub):
    sign_in(client, alice)
    for token in (None, "forged"):
        data = {"name": "sneaky", "role": "write"} | ({"csrf_token": token} if token else {})
        response = client.post("/settings/tokens", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "expired or did not come from this hub" in response.text
    assert "sneaky" not in client.get("/settings/tokens").text


def test_the_cookie_authenticates_reads_but_not_unchecked_writes(hub, alice):
    app = create_app(hub)

    @app.api_route("/probe", methods=["GET", "POST"])
    def probe(request: Request):
        return {"name": principal_of(request).name}

    app.router.routes.insert(0, app.router.routes.pop())  # before the pages, like every API route

    with TestClient(app) as client:
        sign_in(client, alice)
        assert client.get("/probe").json() == {"name": "alice"}
        assert client.post("/probe").json() == {"name": None}  # a cross-site POST would look like this
        token = csrf_of(client.get("/").text)
        assert client.post("/probe", headers={"X-CSRF-Token": token}).json() == {"name": "alice"}


def test_changing_the_password_ends_older_sessions(client, alice, hub):
    sign_in(client, alice)
    assert client.get("/settings/tokens").status_code == 200
    with hub.db.write() as session:
        set_password(session, require_account(session, "alice"), "a brand new password")
    response = client.get("/settings/tokens", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_sign_in_only_returns_to_paths_on_this_hub():
    assert safe_next("/alice/model?x=1") == "/alice/model?x=1"
    for target in ("//evil.example/x", "https://evil.example", "\\\\evil", "/\\evil.example", "", None):
        assert safe_next(target) == "/"
