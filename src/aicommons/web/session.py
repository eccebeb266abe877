"""Browser sessions: a signed cookie naming the signed-in user, and CSRF tokens bound to it.

The cookie is an HMAC-signed JSON payload (standard library only), HttpOnly and SameSite=Lax. It carries a
random nonce from which every form's CSRF token is derived, so a token is only good for its own session.

A session authenticates safe requests (GET, HEAD) everywhere, so a signed-in browser can follow download
links to private files. An unsafe request is authenticated by the session only once its CSRF token has been
checked: by the ``X-CSRF-Token`` header here, or by a page's form check (``routing.checked_form``). The HTTP
API therefore never accepts a cross-site write on the strength of a cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from http.cookies import CookieError, SimpleCookie

import anyio

from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account, principal_for_user
from aicommons.hub import Hub
from aicommons.storage.tables import Account

COOKIE_NAME = "aicommons_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_AGE_SECONDS = 14 * 24 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WebSession:
    user_id: int | None
    nonce: str
    issued_at: int
    password_mark: str = ""  # changes when the password does, which ends every older session
    is_new: bool = False  # not yet sent to the browser

    @classmethod
    def fresh(cls, user_id: int | None = None, password_mark: str = "") -> "WebSession":
        return cls(user_id, secrets.token_urlsafe(16), int(time.time()), password_mark, is_new=True)


class SessionCodec:
    def __init__(self, secret_key: bytes):
        # separate keys per purpose, so a value signed for one use never verifies for another
        self._cookie_key = hmac.new(secret_key, b"aicommons web session", hashlib.sha256).digest()
        self._csrf_key = hmac.new(secret_key, b"aicommons web csrf", hashlib.sha256).digest()

    def encode(self, session: WebSession) -> str:
        payload = json.dumps({"u": session.user_id, "n": session.nonce, "t": session.issued_at,
                              "p": session.password_mark}, separators=(",", ":")).encode()
        body = _b64(payload)
        return f"{body}.{_b64(self._sign(body))}"

    def decode(self, value: str | None) -> WebSession | None:
        """The session in a cookie value, or None when it is missing, forged, malformed or expired."""
        if not value or "." not in value:
            return None
        body, _, signature = value.rpartition(".")
        try:
            if not hmac.compare_digest(_unb64(signature), self._sign(body)):
                return None
            data = json.loads(_unb64(body))
            session = WebSession(data["u"], str(data["n"]), int(data["t"]), str(data.get("p", "")))
        except (ValueError, KeyError, TypeError):
            return None
        if session.user_id is not None and not isinstance(session.user_id, int):
            return None
        if time.time() - session.issued_at > MAX_AGE_SECONDS:
            return None
        return session

    def csrf_token(self, session: WebSession) -> str:
        return _b64(hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).digest())

    def csrf_ok(self, session: WebSession | None, token: str | None) -> bool:
        return bool(session and token) and hmac.compare_digest(self.csrf_token(session), token)

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._cookie_key, body.encode(), hashlib.sha256).digest()


def password_mark(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def cookie_header(codec: SessionCodec, session: WebSession, secure: bool) -> str:
    """A Set-Cookie value; anonymous sessions (which only carry a CSRF nonce) end with the browser."""
    parts = [f"{COOKIE_NAME}={codec.encode(session)}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if session.user_id is not None:
        parts.append(f"Max-Age={MAX_AGE_SECONDS}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie_header(secure: bool) -> str:
    return f"{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + ("; Secure" if secure else "")


class WebSessionMiddleware:
    """Reads the session cookie on every HTTP request and puts what it finds on ``request.state``:

    ``web_session`` (the WebSession or None), ``web_user`` (the signed-in Principal or None) and, when the
    request may be authenticated by the cookie alone, ``session_principal`` (honoured by the API's
    ``principal_from_request``).
    """

    def __init__(self, app, hub: Hub, skip_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.hub = hub
        self.codec = SessionCodec(hub.settings.secret_key)
        self.skip_prefixes = skip_prefixes  # public assets: no need to look the user up

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        session = self.codec.decode(_cookie(headers.get("cookie", "")))
        user = None
        if session is not None and session.user_id is not None:
            user = await anyio.to_thread.run_sync(self._principal, session)
            if user is None:  # the account is gone or its password changed: keep only the CSRF nonce
                session = replace(session, user_id=None, password_mark="")
        state = scope.setdefault("state", {})
        state["web_session"] = session
        state["web_user"] = user
        checked = scope["method"] in SAFE_METHODS or self.codec.csrf_ok(session, headers.get(CSRF_HEADER))
        if user is not None and checked:
            state["session_principal"] = user
        await self.app(scope, receive, send)

    def _principal(self, session: WebSession) -> Principal | None:
        with self.hub.db.read() as db:
            account = db.get(Account, session.user_id)
            if account is None or account.kind != "user":
                return None
            if password_mark(account.password_hash) != session.password_mark:
                return None
            return principal_for_user(db, account)


def sign_in_session(hub: Hub, name: str) -> WebSession:
    """A new session for a user who just proved their password (a new nonce: no session fixation)."""
    with hub.db.read() as db:
        account = get_account(db, name)
        return WebSession.fresh(account.id, password_mark(account.password_hash))


def _headers(scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        # HTTP/2 may split cookies over several headers
        out[name] = f"{out[name]}; {text}" if name == "cookie" and name in out else text
    return out


def _cookie(header: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:  # a malformed Cookie header (another app's cookie on this host): no session
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
