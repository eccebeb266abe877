"""The Hugging Face Hub protocol: the routes ``huggingface_hub``, ``transformers`` and ``datasets`` call.

Each module is one group of routes over the core; ``install`` adds them all to the app.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from aicommons.api.hf import account, browse, commits, community, info, lfs, management, resolve
from aicommons.api.hf.downloads import DownloadCounter


@asynccontextmanager
async def _flush_downloads_on_shutdown(app: FastAPI):
    yield
    await run_in_threadpool(app.state.hf_downloads.flush)


def install(app: FastAPI) -> None:
    app.state.hf_downloads = DownloadCounter(app.state.hub)
    router = APIRouter(lifespan=_flush_downloads_on_shutdown)
    # resolve last: its /{namespace}/{name}/... routes are the broadest
    for module in (account, info, browse, commits, management, community, lfs, resolve):
        router.include_router(module.router)
    app.include_router(router)
