"""Evaluations over HTTP: request one (write access), follow its job, read results and signed
records, leaderboards per task, the tasks and the hub's public signing key."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from aicommons.api.params import RowId
from aicommons.accounts.access import check_write
from aicommons.api.app import hub_of, principal_of
from aicommons.evaluation import leaderboards, service
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.signing import hub_key, public_key_document
from aicommons.evaluation.spec import builtin_tasks, task_to_dict
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType

router = APIRouter(tags=["evaluations"])


class EvalRequest(BaseModel):
    task: str = Field(description="name of an evaluation task (GET /api/eval-tasks)")
    revision: str | None = Field(None, description="branch, tag or commit; default main")
    dtype: str = "float32"
    batch_size: int = 16


def _may_write(request: Request, namespace: str, name: str) -> None:
    """Access first: an outsider learns nothing from how the request body is judged."""
    repo_id = f"{namespace}/{name}"
    check_write(principal_of(request), find_repo(hub_of(request), RepoType.MODEL, repo_id), repo_id)


@router.post("/api/models/{namespace}/{name}/evals", status_code=202, dependencies=[Depends(_may_write)])
def request_eval(request: Request, namespace: str, name: str, body: EvalRequest) -> dict:
    """Queue an evaluation of the model at a commit; answers the job id to follow."""
    options = RunOptions(dtype=body.dtype, batch_size=body.batch_size)
    return service.request_evaluation(hub_of(request), principal_of(request), f"{namespace}/{name}", body.task,
                                      body.revision, options)


@router.get("/api/models/{namespace}/{name}/evals")
def list_evals(request: Request, namespace: str, name: str) -> list[dict]:
    """The model's verified results, newest first, with the card's claims for the same task and metric."""
    return service.results_for(hub_of(request), principal_of(request), f"{namespace}/{name}")


@router.get("/api/models/{namespace}/{name}/evals/jobs/{job_id}")
def eval_job(request: Request, namespace: str, name: str, job_id: RowId) -> dict:
    """An evaluation job's status and progress (0 to 1, with a message)."""
    return service.job_status(hub_of(request), principal_of(request), f"{namespace}/{name}", job_id)


@router.get("/api/evaluations/{record_id}")
def eval_record(request: Request, record_id: RowId) -> dict:
    """The signed record: check it with `aicommons verify-eval`."""
    return service.record_document(hub_of(request), principal_of(request), record_id)


@router.get("/api/leaderboards/{task}")
def leaderboard(request: Request, task: str, license: str | None = None, min_parameters: int | None = None,
                max_parameters: int | None = None, language: str | None = None, limit: int = 100) -> dict:
    """Models ranked by the task's first metric; filters: licence, parameter count, language."""
    filters = leaderboards.Filters(license, min_parameters, max_parameters, language)
    return leaderboards.leaderboard(hub_of(request), principal_of(request), task, filters, max(1, min(limit, 1000)))


@router.get("/api/eval-tasks")
def eval_tasks() -> list[dict]:
    """Every evaluation task this hub runs, as its task file defines it."""
    return [task_to_dict(task) for task in builtin_tasks().values()]


@router.get("/api/evaluation-key")
def evaluation_key(request: Request) -> dict:
    """The public Ed25519 key that signs this hub's evaluation records."""
    return public_key_document(hub_key(hub_of(request).settings.data_dir))
