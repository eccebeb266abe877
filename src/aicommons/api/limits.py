"""Limits on what a request may carry before any handler runs."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from aicommons.api.errors import error_response

MAX_HEADER_BYTES = 64 * 1024


class HeaderSizeLimit:
    """Refuse requests whose headers together exceed a bound (the HTTP parser sets none), with 431."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_HEADER_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > self.max_bytes:
                response = error_response(431, f"Request headers total {size} bytes, over the limit of "
                                               f"{self.max_bytes} bytes")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
