"""Inference monitoring: ``/metrics`` (Prometheus text format) and ``/api/inference/stats`` (JSON).
Each viewer sees only the models they may read, so private models stay invisible to outsiders."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import select

from aicommons.accounts.access import can_read
from aicommons.api.app import hub_of, principal_of
from aicommons.api.native.inference import service_of
from aicommons.monitoring.prometheus import exposition, visible_entries
from aicommons.monitoring.stats import ModelStats
from aicommons.storage.tables import Repo

router = APIRouter(tags=["monitoring"])


async def _visible(request: Request) -> list[ModelStats]:
    hub, service = hub_of(request), service_of(request)

    def entries() -> list[ModelStats]:
        principal = principal_of(request)
        pks = {entry.repo_pk for entry in service.stats.entries()}
        with hub.db.read() as session:
            readable = {repo.id for repo in session.scalars(select(Repo).where(Repo.id.in_(pks)))
                        if can_read(principal, repo)}
        return visible_entries(service, readable.__contains__)

    return await run_in_threadpool(entries)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(exposition(service_of(request), await _visible(request)), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/inference/stats")
async def inference_stats(request: Request) -> dict:
    """Per-model requests, errors, 429 rejections, latency p50/p95/p99 and tokens/s, plus queue and cache use."""
    service = service_of(request)
    return {
        "in_flight": service.in_flight, "capacity": service.capacity, "workers": service.settings.workers,
        "cache": {"models": len(service.cache), "used_bytes": service.cache.used_bytes(),
                  "budget_bytes": service.cache.budget_bytes},
        "models": [entry.to_dict() for entry in await _visible(request)],
    }
