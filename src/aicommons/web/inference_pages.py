"""The repo page's resources panel and try-it widget, and the inference monitoring page (/-/inference).

The try-it widget is a form that static/tryit.js sends to the inference API (streaming generated text as it
arrives); the panels only describe the model and never load it.
"""

from __future__ import annotations


from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import select

from aicommons.accounts.access import can_read
from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.inference import tasks
from aicommons.json_text import json_object
from aicommons.repos.reading import Snapshot
from aicommons.resources.report import CommitFiles, resources_report
from aicommons.storage.tables import Repo
from aicommons.web.panels import register_panel
from aicommons.web.routing import WebRoute, viewer
from aicommons.web.templates import render, render_fragment

MONITORING_PAGE = "/-/inference"
DEFAULT_MASK = "[MASK]"
TASK_LABELS = {
    tasks.TEXT_GENERATION: "Text generation", tasks.FILL_MASK: "Fill mask",
    tasks.FEATURE_EXTRACTION: "Feature extraction", tasks.SENTENCE_SIMILARITY: "Sentence similarity",
    tasks.TEXT_CLASSIFICATION: "Text classification", tasks.TABULAR_CLASSIFICATION: "Tabular classification",
    tasks.TABULAR_REGRESSION: "Tabular regression",
}

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def render_resources(hub: Hub, principal: Principal, snap: Snapshot):
    if snap.repo.type != "model":
        return None
    report = resources_report(CommitFiles(hub, snap))  # the model's context, up to 2048 tokens
    if not report.get("parameters") and not report["gguf"] and "inference" not in report:
        return None
    fits = [(device["name"], [precision for precision, ok in device["inference"].items() if ok])
            for device in report.get("hardware", [])]
    return render_fragment("inference/resources_panel.html", report=report, fits=fits, repo=snap.repo, snap=snap)


def render_try_it(hub: Hub, principal: Principal, snap: Snapshot):
    if snap.repo.type != "model":
        return None
    files = CommitFiles(hub, snap)
    kind = tasks.model_kind(files.read_text, files.paths)
    if kind is None:
        return None
    return render_fragment("inference/try_it.html", repo=snap.repo, snap=snap, kind=kind, labels=TASK_LABELS,
                           mask=_mask_token(files), columns=_columns(files), monitoring=MONITORING_PAGE)


def _mask_token(files: CommitFiles) -> str:
    for path in ("special_tokens_map.json", "tokenizer_config.json"):
        token = (json_object(files.read_text(path)) or {}).get("mask_token")
        if isinstance(token, dict):  # an AddedToken written out in full
            token = token.get("content")
        if isinstance(token, str) and token:
            return token
    return DEFAULT_MASK


def _columns(files: CommitFiles) -> list[str]:
    section = (json_object(files.read_text("config.json")) or {}).get("sklearn")
    columns = section.get("columns") if isinstance(section, dict) else None
    return [str(c) for c in columns] if isinstance(columns, list) else []


@router.get(MONITORING_PAGE)
def monitoring_page(request: Request):
    """Per-model requests, errors, latency percentiles and tokens/s of this server, for the models the viewer
    may see."""
    hub, service = request.app.state.hub, request.app.state.inference
    principal = viewer(request)
    entries = service.stats.entries()
    with hub.db.read() as session:
        repos = {r.id: r for r in session.scalars(select(Repo).where(Repo.id.in_({e.repo_pk for e in entries})))}
    shown = [e.to_dict() for e in entries if e.repo_pk in repos and can_read(principal, repos[e.repo_pk])]
    return render(request, "inference/monitoring.html", {
        "models": shown, "in_flight": service.in_flight, "capacity": service.capacity,
        "workers": service.settings.workers, "cache_models": len(service.cache),
        "cache_used": service.cache.used_bytes(), "cache_budget": service.cache.budget_bytes})


def install(app: FastAPI) -> None:
    """Register the panels and the monitoring page (before the page routes whose /{namespace}/{name} would
    otherwise take /-/inference)."""
    register_panel("resources", "Resources", render_resources)
    register_panel("try-it", "Try it", render_try_it)
    app.include_router(router)
