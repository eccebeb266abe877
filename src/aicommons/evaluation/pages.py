"""Evaluation pages: a panel on a model's page (verified results beside the card's claims) and a
leaderboard page per task. ``install(app)`` is called once by the web layer after its own routes
are set up (it needs the web layer's templates and session)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request

from aicommons.api.app import hub_of, principal_of
from aicommons.evaluation import leaderboards, service
from aicommons.evaluation.spec import builtin_tasks, get_task
from aicommons.repos.names import RepoType

TEMPLATES = Path(__file__).with_name("templates")
router = APIRouter(include_in_schema=False)


def evaluations_panel(hub, principal, snapshot):
    """The model's results: those at the commit shown first, each with its claims' verdicts."""
    if snapshot.repo.type != str(RepoType.MODEL):
        return None
    from aicommons.web.templates import render_fragment

    results = service.results_for(hub, principal, snapshot.repo.repo_id)
    if not results:
        return None
    here = [r for r in results if r["commit"] == snapshot.commit_oid]
    older = [r for r in results if r["commit"] != snapshot.commit_oid]
    return render_fragment("evaluations_panel.html", here=here, older=older, repo=snapshot.repo,
                           tasks=builtin_tasks())


@router.get("/leaderboards")
def leaderboards_index(request: Request):
    from aicommons.web.templates import render

    return render(request, "leaderboards.html", {"tasks": list(builtin_tasks().values())})


@router.get("/leaderboards/{task}")
def leaderboard_page(request: Request, task: str, license: str | None = None, language: str | None = None,
                     min_parameters: int | None = None, max_parameters: int | None = None):
    from aicommons.web.templates import render

    filters = leaderboards.Filters(license or None, min_parameters, max_parameters, language or None)
    table = leaderboards.leaderboard(hub_of(request), principal_of(request), task, filters)
    return render(request, "leaderboard.html", {"board": table, "task": get_task(task), "filters": filters})


def install(app) -> None:
    from aicommons.web.panels import register_panel
    from aicommons.web.templates import add_template_dir

    add_template_dir(TEMPLATES)
    register_panel("evaluations", "Evaluations", evaluations_panel)
    app.include_router(router)
