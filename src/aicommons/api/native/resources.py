"""Will it run? Parameter counts and memory estimates of a model at a revision."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aicommons.api.app import hub_of, principal_of
from aicommons.repos.manage import visible_repo
from aicommons.repos.names import RepoType
from aicommons.repos.reading import snapshot
from aicommons.resources.report import CommitFiles, resources_report

router = APIRouter(tags=["resources"])


@router.get("/api/models/{namespace}/{name}/resources")
def model_resources(request: Request, namespace: str, name: str, revision: str | None = None,
                    context: int | None = None, batch: int | None = None) -> dict:
    """Parameters per dtype (from safetensors headers, buffers excluded) and the memory to run the model at
    fp32/bf16/int8/int4 with a KV cache for ``context`` tokens × ``batch`` sequences, and to fine-tune it,
    with the common hardware (and this server) it fits."""
    hub = hub_of(request)
    repo = visible_repo(hub, principal_of(request), RepoType.MODEL, f"{namespace}/{name}")
    snap = snapshot(hub, repo, revision)
    return {"id": repo.repo_id, "sha": snap.commit_oid, **resources_report(CommitFiles(hub, snap), context, batch)}
