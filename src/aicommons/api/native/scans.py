"""Native API route of the security scan: per-file verdicts and a summary for one revision of a repo."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aicommons.repos.manage import visible_repo
from aicommons.repos.names import RepoType
from aicommons.repos.reading import snapshot
from aicommons.scans.report import revision_report

router = APIRouter(tags=["security"])


def _report(request: Request, repo_type: RepoType, namespace: str, name: str, revision: str) -> dict:
    from aicommons.api.app import hub_of, principal_of  # api.app imports this module while it is being built

    hub = hub_of(request)
    repo = visible_repo(hub, principal_of(request), repo_type, f"{namespace}/{name}")
    return revision_report(hub, snapshot(hub, repo, revision))


@router.get("/api/models/{namespace}/{name}/scan/{revision:path}")
def model_scan(request: Request, namespace: str, name: str, revision: str) -> dict:
    """Security scan of every file of a model at a revision (branch, tag or commit): status (safe, suspicious,
    invalid, dangerous, pending, unscanned), format, findings; and the worst verdict over the revision."""
    return _report(request, RepoType.MODEL, namespace, name, revision)


@router.get("/api/datasets/{namespace}/{name}/scan/{revision:path}")
def dataset_scan(request: Request, namespace: str, name: str, revision: str) -> dict:
    """Security scan of every file of a dataset at a revision (see the model route)."""
    return _report(request, RepoType.DATASET, namespace, name, revision)
