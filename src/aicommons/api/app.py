"""The HTTP application: one FastAPI app whose routers are thin adapters over the core."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from aicommons import __version__
from aicommons.api.auth import principal_from_request
from aicommons.api.errors import install_error_handlers
from aicommons.api.limits import HeaderSizeLimit
from aicommons.api.moved_repos import MovedRepoRedirects
from aicommons.hub import Hub
from aicommons.web import install as install_pages


def create_app(hub: Hub) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if hub.settings.jobs_mode == "thread":
            hub.jobs.start_thread()
        yield
        hub.jobs.stop_thread()
        app.state.inference.close()

    app = FastAPI(title="AI Commons", version=__version__, lifespan=lifespan,
                  description="A self-hostable hub for open AI models and datasets.")
    app.state.hub = hub
    install_error_handlers(app)
    app.add_middleware(HeaderSizeLimit)
    app.add_middleware(MovedRepoRedirects)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict:
        """Liveness and readiness: the metadata store answers."""
        with hub.db.read() as session:
            session.connection().exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    # late imports: the routers import hub_of and principal_of from this module
    from aicommons.api.hf import install as install_hf_protocol
    from aicommons.api.native import evaluations, inference, licenses, lineage, monitoring, openai, resources, scans
    from aicommons.api.xet import include_xet
    from aicommons.evaluation.pages import install as install_evaluation_pages
    from aicommons.inference.service import InferenceService
    from aicommons.web.inference_pages import install as install_inference_pages

    # native routes first: the Hub protocol's /api/models/{repo_id:path} would swallow .../lineage and .../evals
    app.include_router(lineage.router)
    app.include_router(licenses.router)
    app.include_router(evaluations.router)
    app.include_router(resources.router)
    inference.install(app, InferenceService(hub))
    app.include_router(openai.router)
    app.include_router(monitoring.router)
    app.include_router(scans.router)
    include_xet(app)  # also before it: .../xet-read-token and friends
    install_hf_protocol(app)
    # pages last: their open paths (/{namespace}/{name}) must not shadow the API's routes; fixed page
    # addresses such as /leaderboards and /-/inference go before those
    install_evaluation_pages(app)
    install_inference_pages(app)
    install_pages(app, hub)
    return app


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


def principal_of(request: Request):
    return principal_from_request(hub_of(request), request)
