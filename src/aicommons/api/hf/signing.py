"""Short-lived signed URLs. The LFS client PUTs content with no Authorization header, so the upload
URL itself carries the credential: an HMAC (keyed by the hub's secret) over what it allows, and until when."""

from __future__ import annotations

import hashlib
import hmac
import time

from aicommons.errors import Unauthorized
from aicommons.hub import Hub

UPLOAD_URL_SECONDS = 3600


def sign(hub: Hub, purpose: str, *fields: object, ttl: int = UPLOAD_URL_SECONDS) -> dict[str, str]:
    """Query parameters (``expires``, ``signature``) granting ``purpose`` on exactly these ``fields``."""
    expires = int(time.time()) + ttl
    return {"expires": str(expires), "signature": _mac(hub, purpose, fields, expires)}


def verify(hub: Hub, purpose: str, *fields: object, expires: str | None, signature: str | None) -> None:
    if not expires or not signature or not expires.isdigit():
        raise Unauthorized("This upload URL is not signed; ask the LFS batch endpoint for a new one")
    if not hmac.compare_digest(_mac(hub, purpose, fields, int(expires)), signature):
        raise Unauthorized("This upload URL's signature is invalid")
    if int(expires) < time.time():
        raise Unauthorized("This upload URL has expired; ask the LFS batch endpoint for a new one")


def _mac(hub: Hub, purpose: str, fields: tuple, expires: int) -> str:
    message = "\n".join([purpose, *(str(f) for f in fields), str(expires)]).encode()
    return hmac.new(hub.settings.secret_key, message, hashlib.sha256).hexdigest()
