"""The HTTP application: one FastAPI app whose routers are thin adapters over the core."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from aicommons import __version__
from aicommons.api.auth import principal_from_request
from aicommons.api.errors import install_error_handlers
from aicommons.api.native import lineage as lineage_routes
from aicommons.hub import Hub


def create_app(hub: Hub) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if hub.settings.jobs_mode == "thread":
            hub.jobs.start_thread()
        yield
        hub.jobs.stop_thread()

    app = FastAPI(title="AI Commons", version=__version__, lifespan=lifespan,
                  description="A self-hostable hub for open AI models and datasets.")
    app.state.hub = hub
    install_error_handlers(app)
    # before the Hub protocol routes: their /api/models/{repo_id:path} would swallow .../lineage
    app.include_router(lineage_routes.router)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        """Liveness and readiness: the metadata store answers."""
        with hub.db.read() as session:
            session.connection().exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    from aicommons.api.native import licenses

    app.include_router(licenses.router)
    return app


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


def principal_of(request: Request):
    return principal_from_request(hub_of(request), request)
