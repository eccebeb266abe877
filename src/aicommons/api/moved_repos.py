"""Old ids of moved repos keep working: a request that found nothing under an id a repo used to have is
answered with a redirect to the same path under the repo's current id.

The redirect is decided only after the app answered 404, so an id in use always means the repo holding it,
and ordinary requests pay nothing. ``Location`` is relative (same host), which the HF client follows while
keeping its token; the repo must be visible to the caller, so a private repo's new id does not leak.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicommons.api.auth import principal_from_request
from aicommons.community.repo_settings import redirect_target
from aicommons.errors import Unauthorized
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType

# (type, the part before the id, namespace, name, the rest) for API routes, dataset pages and model pages
_PATTERNS = [
    (None, re.compile(r"^(?P<head>/api/(?P<kind>models|datasets)/)(?P<ns>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")),
    (RepoType.DATASET, re.compile(r"^(?P<head>/datasets/)(?P<ns>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")),
    (RepoType.MODEL, re.compile(r"^(?P<head>/)(?P<ns>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")),
]


def _moved_location(scope: Scope) -> str | None:
    raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    for repo_type, pattern in _PATTERNS:
        match = pattern.match(raw)
        if match is None:
            continue
        repo_type = repo_type or RepoType.parse(match.group("kind"))
        namespace, name = unquote(match.group("ns")), unquote(match.group("name"))
        request = Request(scope)
        hub = request.app.state.hub
        if find_repo(hub, repo_type, f"{namespace}/{name}") is not None:
            return None
        try:
            principal = principal_from_request(hub, request)
        except Unauthorized:  # an invalid token gets the app's own answer
            return None
        repo = redirect_target(hub, principal, repo_type, f"{namespace}/{name}")
        if repo is None:
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        location = f"{match.group('head')}{quote(repo.namespace)}/{quote(repo.name)}{match.group('rest') or ''}"
        return location + (f"?{query}" if query else "")
    return None


class MovedRepoRedirects:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def intercept(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 404:
                location = await run_in_threadpool(_moved_location, scope)
                if location is not None:
                    replaced = True
                    await send({"type": "http.response.start", "status": 307,
                                "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            if replaced:
                return  # the 404's body is dropped
            await send(message)

        await self.app(scope, receive, intercept)
