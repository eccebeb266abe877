"""Evaluations on the hub: requested by a writer of the model, run as jobs, stored signed, listed
with the card's claims beside them. Visibility follows the model repo: a private model's results are
as invisible as the model itself."""

from __future__ import annotations

import json
from dataclasses import dataclass

import yaml
from sqlalchemy import select

from aicommons.accounts.access import check_read, check_write
from aicommons.accounts.principal import Principal
from aicommons.cards.frontmatter import parse_front_matter
from aicommons.errors import NotFound, RepoNotFound
from aicommons.evaluation import claims as claim_rules
from aicommons.evaluation.cache import SampleCache
from aicommons.evaluation.runners import hub_folder
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.runs import evaluate
from aicommons.evaluation.signing import hub_key, sign
from aicommons.evaluation.spec import get_task
from aicommons.evaluation.tables import EvalRecordRow
from aicommons.hub import Hub
from aicommons.repos import revisions
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import utcnow
from aicommons.repos.reading import read_text, snapshot
from aicommons.storage.tables import Repo

JOB_KIND = "evaluation"


@dataclass(frozen=True)
class CardFacts:
    license: str | None
    languages: list[str]
    claims: list[claim_rules.Claim]


def register_jobs(hub: Hub) -> None:
    hub.jobs.handler(JOB_KIND)(run_job)


def request_evaluation(hub: Hub, principal: Principal, repo_id: str, task_name: str, revision: str | None = None,
                       options: RunOptions = RunOptions()) -> dict:
    """Queue an evaluation of the model at ``revision`` (resolved now, so the result ties to that commit)."""
    repo = check_write(principal, find_repo(hub, RepoType.MODEL, repo_id), repo_id)
    task = get_task(task_name)
    with hub.db.read() as session:
        commit = revisions.resolve(session, repo.id, revision).commit_oid
    payload = {"repo": repo.id, "commit": commit, "task": task.name, "version": task.version,
               "options": options.describe(), "requested_by": principal.name}
    job_id = hub.jobs.enqueue(JOB_KIND, payload, max_attempts=1)
    return {"job_id": job_id, "repo": repo.repo_id, "commit": commit, "task": task.name, "version": task.version}


def run_job(hub: Hub, payload: dict, progress) -> dict:
    with hub.db.read() as session:
        repo = session.get(Repo, payload["repo"])
    if repo is None:
        raise RepoNotFound("the model repo was deleted before its evaluation ran")
    task = get_task(payload["task"])
    folder = hub_folder(hub, repo, payload["commit"])
    record = evaluate(hub, task, folder, RunOptions(**payload["options"]), cache=SampleCache(hub), report=progress)
    record["hub"] = hub.settings.public_url
    record["requested_by"] = payload.get("requested_by")
    row = store_record(hub, repo, sign(record, hub_key(hub.settings.data_dir)))
    return {"record_id": row.id, "metrics": row.metrics, "task": task.name, "commit": payload["commit"]}


def card_facts(hub: Hub, repo: Repo, commit: str) -> CardFacts:
    text = read_text(hub, snapshot(hub, repo, commit), "README.md")
    try:
        metadata = parse_front_matter(text) if text else {}
    except (yaml.YAMLError, ValueError):
        metadata = {}
    license_id = metadata.get("license")
    languages = metadata.get("language") or []
    languages = [languages] if isinstance(languages, str) else [str(lang) for lang in languages if lang]
    return CardFacts(str(license_id) if license_id else None, languages, claim_rules.claims_from_card(metadata))


def store_record(hub: Hub, repo: Repo, record: dict) -> EvalRecordRow:
    task = get_task(record["task"]["name"])
    facts = card_facts(hub, repo, record["model"]["commit"])
    row = EvalRecordRow(repo_id=repo.id, commit_oid=record["model"]["commit"], task=task.name,
                        task_version=record["task"]["version"], primary_metric=task.primary_metric,
                        primary_value=record["metrics"].get(task.primary_metric), metrics=record["metrics"],
                        fingerprint=record["fingerprint"], license=facts.license, languages=facts.languages,
                        parameters=record["model"]["parameters"], document=json.dumps(record, ensure_ascii=False),
                        created_at=utcnow())
    with hub.db.write() as session:
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def results_for(hub: Hub, principal: Principal, repo_id: str) -> list[dict]:
    """The model's results, newest first, each with the card's claims for the same task and metric
    (the card at the evaluated commit)."""
    repo = check_read(principal, find_repo(hub, RepoType.MODEL, repo_id), repo_id)
    with hub.db.read() as session:
        rows = list(session.scalars(select(EvalRecordRow).where(EvalRecordRow.repo_id == repo.id)
                                    .order_by(EvalRecordRow.id.desc())))
    facts_by_commit: dict[str, CardFacts] = {}
    out = []
    for row in rows:
        if row.commit_oid not in facts_by_commit:
            facts_by_commit[row.commit_oid] = card_facts(hub, repo, row.commit_oid)
        checks = _checks(row, facts_by_commit[row.commit_oid])
        out.append({**summary(row), "claims": [check.to_dict() for check in checks]})
    return out


def _checks(row: EvalRecordRow, facts: CardFacts) -> list[claim_rules.ClaimCheck]:
    try:
        task = get_task(row.task)
    except NotFound:
        return []
    return claim_rules.compare(task, row.metrics, facts.claims) if task.version == row.task_version else []


def summary(row: EvalRecordRow) -> dict:
    return {"id": row.id, "task": row.task, "task_version": row.task_version, "commit": row.commit_oid,
            "metrics": row.metrics, "primary_metric": row.primary_metric, "fingerprint": row.fingerprint,
            "parameters": row.parameters, "license": row.license, "languages": row.languages,
            "created_at": row.created_at.isoformat(), "verified": True}


def record_document(hub: Hub, principal: Principal, record_id: int) -> dict:
    """The signed record, if the principal may see its model."""
    with hub.db.read() as session:
        row = session.get(EvalRecordRow, record_id)
        repo = session.get(Repo, row.repo_id) if row else None
    if row is None:
        raise NotFound(f"No evaluation record {record_id}")
    check_read(principal, repo, f"evaluation record {record_id}")
    return json.loads(row.document)


def job_status(hub: Hub, principal: Principal, repo_id: str, job_id: int) -> dict:
    """An evaluation job's progress, for those who may see its model."""
    repo = check_read(principal, find_repo(hub, RepoType.MODEL, repo_id), repo_id)
    job = hub.jobs.get(job_id)
    if job is None or job.kind != JOB_KIND or _job_repo(hub, job_id) != repo.id:
        raise NotFound(f"No evaluation job {job_id} for {repo_id}")
    return {"job_id": job.id, "status": job.status, "progress": job.progress, "message": job.message,
            "result": job.result, "error": job.error, "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def _job_repo(hub: Hub, job_id: int) -> int | None:
    from aicommons.jobs.tables import Job

    with hub.db.read() as session:
        job = session.get(Job, job_id)
        return job.payload.get("repo") if job else None
