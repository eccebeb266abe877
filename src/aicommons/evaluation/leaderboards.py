"""Leaderboards: per task, each visible model's latest result for the task's current version, ranked
by the task's first metric. Private models appear only to those who may read them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import Principal
from aicommons.evaluation import metrics as metric_registry
from aicommons.evaluation.spec import get_task
from aicommons.evaluation.tables import EvalRecordRow
from aicommons.hub import Hub
from aicommons.storage.tables import Repo


@dataclass(frozen=True)
class Filters:
    license: str | None = None
    min_parameters: int | None = None
    max_parameters: int | None = None
    language: str | None = None

    def keep(self, row: EvalRecordRow) -> bool:
        if self.license and (row.license or "").lower() != self.license.lower():
            return False
        if self.min_parameters is not None and (row.parameters is None or row.parameters < self.min_parameters):
            return False
        if self.max_parameters is not None and (row.parameters is None or row.parameters > self.max_parameters):
            return False
        if self.language and self.language.lower() not in {lang.lower() for lang in row.languages or []}:
            return False
        return True


def leaderboard(hub: Hub, principal: Principal, task_name: str, filters: Filters = Filters(),
                limit: int = 100) -> dict:
    task = get_task(task_name)
    metric = metric_registry.get(task.output_type, task.primary_metric)
    latest = (select(func.max(EvalRecordRow.id))
              .where(EvalRecordRow.task == task.name, EvalRecordRow.task_version == task.version)
              .group_by(EvalRecordRow.repo_id))
    with hub.db.read() as session:
        found = session.execute(
            select(EvalRecordRow, Repo).join(Repo, Repo.id == EvalRecordRow.repo_id)
            .where(EvalRecordRow.id.in_(latest), visible_repos(principal))
        ).all()
    rows = [(record, repo) for record, repo in found if filters.keep(record)]
    scored = [item for item in rows if item[0].primary_value is not None]
    scored.sort(key=lambda item: (-item[0].primary_value if metric.higher_is_better else item[0].primary_value,
                                  item[1].repo_id))
    unscored = sorted((item for item in rows if item[0].primary_value is None), key=lambda item: item[1].repo_id)
    entries = []
    for rank, (record, repo) in enumerate((scored + unscored)[:limit], 1):
        entries.append({"rank": rank, "model": repo.repo_id, "private": repo.private, "commit": record.commit_oid,
                        "metrics": record.metrics, "parameters": record.parameters, "license": record.license,
                        "languages": record.languages, "record_id": record.id,
                        "evaluated_at": record.created_at.isoformat()})
    return {"task": task.name, "version": task.version, "description": task.description,
            "output_type": task.output_type, "metric": task.primary_metric, "metrics": task.metrics,
            "higher_is_better": metric.higher_is_better, "entries": entries}
