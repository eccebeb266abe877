"""Where webhooks may post.

A hub usually sits inside a network that its users cannot reach. Letting anyone who can sign in make the
hub POST to loopback, private, link-local (cloud metadata) or other non-public addresses would turn
webhooks into a way into that network (server-side request forgery). Such targets are refused unless the
operator allows them (``AICOMMONS_WEBHOOK_PRIVATE_TARGETS=1``, for a hub whose receivers live beside it).

A delivery connects to the very address that was checked, with the original name in the Host header and
in TLS, so a DNS answer that changes between the check and the connection cannot redirect it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from socket import SOCK_STREAM, getaddrinfo
from urllib.parse import urlsplit, urlunsplit

from aicommons.errors import InvalidInput

ALLOW_HINT = "a hub operator can allow such targets with AICOMMONS_WEBHOOK_PRIVATE_TARGETS=1"
LOCAL_NAMES = ("localhost", "localhost.localdomain")


class TargetRefused(Exception):
    """The webhook's host is not a public address and the hub does not allow private targets."""


@dataclass(frozen=True)
class PinnedTarget:
    url: str  # the URL with the checked address in place of the host name
    headers: dict[str, str]
    extensions: dict[str, str]


def check_url(url: str, allow_private: bool) -> None:
    """Refuse, when the webhook is saved, a URL whose host is visibly not public (a literal address, localhost).
    Names are checked again at each delivery, when they are resolved."""
    host = urlsplit(url).hostname or ""
    address = _literal(host)
    if allow_private or (address is None and host.lower().rstrip(".") not in LOCAL_NAMES):
        return
    if address is None or not address.is_global:
        raise InvalidInput("url", f"webhooks cannot post to {host}, which is not a public address; {ALLOW_HINT}")


def pin(url: str, allow_private: bool) -> PinnedTarget:
    """Resolve the URL's host once, check the address, and aim the request at it. Raises TargetRefused, or
    OSError when the name does not resolve (a delivery error that is worth retrying)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _literal(host) or ipaddress.ip_address(
        getaddrinfo(host, port, type=SOCK_STREAM)[0][4][0])
    if not allow_private and not address.is_global:
        raise TargetRefused(f"{host} resolves to {address}, which is not a public address; {ALLOW_HINT}")
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    if "@" in parts.netloc:  # credentials in the URL stay with it
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    host_header = f"{host}:{parts.port}" if parts.port else host
    extensions = {"sni_hostname": host} if parts.scheme == "https" and _literal(host) is None else {}
    return PinnedTarget(urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, extensions)


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
