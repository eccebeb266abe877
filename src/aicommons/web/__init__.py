"""The hub's pages: server-rendered HTML over the core, with a little plain JavaScript.

``install(app, hub)`` adds the session middleware, the static assets and every page route. Include it
after the API routers: page routes such as ``/{namespace}/{name}`` would otherwise shadow API paths.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from aicommons.hub import Hub
from aicommons.web import community as community_pages
from aicommons.web import license_panel, lineage_panel, security_panel
from aicommons.web.highlight import stylesheet
from aicommons.web.routes import router
from aicommons.web.routing import SECURITY_HEADERS, error_page
from aicommons.web.session import SessionCodec, WebSessionMiddleware
from aicommons.web.templates import CODE_STYLES_PATH, STATIC_DIR, STATIC_PREFIX


class VersionedStaticFiles(StaticFiles):
    """Assets linked with a content hash (?v=...) never change under that address: cache them for a year."""

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def install(app: FastAPI, hub: Hub) -> None:
    app.state.web_codec = SessionCodec(hub.settings.secret_key)
    app.add_middleware(WebSessionMiddleware, hub=hub, skip_prefixes=(STATIC_PREFIX,))
    app.mount(STATIC_PREFIX, VersionedStaticFiles(directory=STATIC_DIR), name="web-static")

    @app.get(CODE_STYLES_PATH, include_in_schema=False)
    def code_styles() -> Response:
        return Response(stylesheet(), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})

    community_pages.install()
    app.include_router(router)
    license_panel.register()
    lineage_panel.register()
    security_panel.register()

    @app.exception_handler(HTTPException)
    async def _html_for_browsers(request: Request, error: HTTPException):
        """Unknown addresses get a page in a browser and the usual JSON answer anywhere else."""
        wants_html = "text/html" in request.headers.get("accept", "")
        if not wants_html or request.url.path.startswith("/api/") or error.status_code not in (404, 405):
            return await http_exception_handler(request, error)
        response = error_page(request, error.status_code, str(error.detail))
        response.headers.update(SECURITY_HEADERS)
        return response
