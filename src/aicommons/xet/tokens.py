"""Short-lived Xet access tokens and presigned xorb range URLs, both signed with the hub's secret key.

A token names one repo, a scope (read or write), the user and the Hub API token it was issued for.
Every use re-checks that the repo exists, the API token is not revoked and the user still has the
right the scope needs, so a token never outlives the rights it was issued on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from aicommons.accounts.access import can_read, can_write
from aicommons.accounts.principal import ANONYMOUS, Principal
from aicommons.accounts.service import principal_for_user
from aicommons.errors import Forbidden, Unauthorized
from aicommons.storage.tables import Account, ApiToken, Repo

TOKEN_PREFIX = "xet1"
TOKEN_LIFETIME_SECONDS = 3600
FETCH_URL_LIFETIME_SECONDS = 2 * TOKEN_LIFETIME_SECONDS
READ, WRITE = "read", "write"


@dataclass(frozen=True)
class XetGrant:
    """What a verified token allows: ``scope`` on one repo."""

    repo_pk: int
    scope: str
    user_id: int | None
    api_token_id: int | None
    expires: int

    @property
    def may_write(self) -> bool:
        return self.scope == WRITE


def _key(secret: bytes, purpose: bytes) -> bytes:
    return hmac.new(secret, b"aicommons xet " + purpose, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(secret: bytes, repo_pk: int, scope: str, principal: Principal, api_token_id: int | None,
          lifetime: int = TOKEN_LIFETIME_SECONDS) -> tuple[str, int]:
    """A signed token and its expiry (unix seconds)."""
    expires = int(time.time()) + lifetime
    claims = {"r": repo_pk, "s": scope, "u": principal.user_id, "k": api_token_id, "e": expires}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(secret, b"token"), payload.encode(), hashlib.sha256).digest())
    return f"{TOKEN_PREFIX}.{payload}.{signature}", expires


def verify(secret: bytes, session, token: str | None, need: str) -> tuple[XetGrant, Principal, Repo]:
    """The grant a token carries, re-checked against current rights, with the caller and the repo. 401 when the
    token is missing, forged, expired or no longer backed by its user's rights; 403 when a read token writes."""
    grant = _decode(secret, token)
    repo = session.get(Repo, grant.repo_pk)
    if repo is None:
        raise Unauthorized("The repository of this Xet token no longer exists")
    principal = _principal(session, grant)
    if not can_read(principal, repo) or (grant.may_write and not can_write(principal, repo)):
        raise Unauthorized("The rights this Xet token was issued on have been withdrawn")
    if need == WRITE and not grant.may_write:
        raise Forbidden("This Xet token only allows reading; ask the hub for a write token")
    return grant, principal, repo


def _decode(secret: bytes, token: str | None) -> XetGrant:
    if not token:
        raise Unauthorized("A Xet access token is required (Authorization: Bearer ...)")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise Unauthorized("Malformed Xet access token")
    expected = hmac.new(_key(secret, b"token"), parts[1].encode(), hashlib.sha256).digest()
    try:
        valid = hmac.compare_digest(expected, _unb64(parts[2]))
        claims = json.loads(_unb64(parts[1])) if valid else None
    except (ValueError, json.JSONDecodeError):
        valid = False
    if not valid:
        raise Unauthorized("Invalid Xet access token")
    if claims["e"] < time.time():
        raise Unauthorized("Expired Xet access token; fetch a new one from the hub")
    return XetGrant(claims["r"], claims["s"], claims["u"], claims["k"], claims["e"])


def _principal(session, grant: XetGrant) -> Principal:
    if grant.user_id is None:
        return ANONYMOUS
    user = session.get(Account, grant.user_id)
    api_token = session.get(ApiToken, grant.api_token_id) if grant.api_token_id is not None else None
    if user is None or (grant.api_token_id is not None and (api_token is None or api_token.user_id != user.id)):
        raise Unauthorized("The account or API token behind this Xet token is gone")
    return principal_for_user(session, user, api_token)


def sign_fetch(secret: bytes, xorb_hash: str, start: int, end: int, lifetime: int = FETCH_URL_LIFETIME_SECONDS) -> str:
    """The query string of a presigned URL for stored bytes ``start``-``end`` (inclusive) of one xorb."""
    expires = int(time.time()) + lifetime
    return f"r={start}-{end}&exp={expires}&sig={_fetch_signature(secret, xorb_hash, start, end, expires)}"


def check_fetch(secret: bytes, xorb_hash: str, byte_range: str, expires: str, signature: str) -> tuple[int, int]:
    """The signed range of a presigned URL; Forbidden when the signature is wrong or has expired."""
    try:
        start, end = (int(x) for x in byte_range.split("-"))
        expiry = int(expires)
    except ValueError:
        raise Forbidden("Malformed presigned URL") from None
    expected = _fetch_signature(secret, xorb_hash, start, end, expiry)
    if not hmac.compare_digest(expected, signature):
        raise Forbidden("Invalid signature on presigned URL")
    if expiry < time.time():
        raise Forbidden("Presigned URL has expired; ask for the reconstruction again")
    return start, end


def _fetch_signature(secret: bytes, xorb_hash: str, start: int, end: int, expires: int) -> str:
    message = f"{xorb_hash}:{start}-{end}:{expires}".encode()
    return _b64(hmac.new(_key(secret, b"fetch"), message, hashlib.sha256).digest())
