"""A stored licence summary per model head (conflicts yes/no, their kinds, the commercial verdict), so that search
can filter and count on licence conflicts without walking lineage per result.

A job computes it after every commit to the main branch, as the hub itself (every repo visible, so the summary
is the same whoever searches), and stores the repos it depended on. A commit to any of those (an ancestor, a
training dataset, a base that appears on the hub) queues the dependents again. The summary holds no repo
names, so filtering on it reveals nothing about private repos.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, and_, case, delete, desc, exists, func, select
from sqlalchemy.orm import Session

from aicommons.accounts.principal import Principal
from aicommons.errors import InvalidInput
from aicommons.hub import CommitEvent, Hub
from aicommons.licenses.graph import SubjectNotFound, dependency_keys
from aicommons.licenses.hub_source import subject_source
from aicommons.licenses.results import Status
from aicommons.licenses.tables import LicenseDependency, LicenseSummary
from aicommons.licenses.verdict import verdict
from aicommons.repos import revisions
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import Repo

log = logging.getLogger(__name__)

SUMMARY_JOB = "licenses.summary"
MAIN_REF = f"refs/heads/{revisions.DEFAULT_BRANCH}"
COMMERCIAL = "commercial"
HUB_VIEW = Principal(name="hub", is_admin=True)  # the hub reads every repo; results never leave it by name
# What the facet calls a licence conflict: terms that clash (a licence looser than upstream or training data
# allows, a LICENSE file that disagrees with the card, merged parents under different pass-on terms) and upstream
# rules this repo breaks (naming, notice, display text). A missing LICENSE copy is a housekeeping step nearly
# every card-only repo lacks, and an unknown licence is a question, not a conflict: both are stored as kinds but
# do not make a repo "conflicting".
CONFLICT_KINDS = frozenset({"relicensed", "license-file-mismatch", "merge-conflicting-terms", "naming-prefix",
                            "notice-file", "display-text"})
SUMMARY_FILTERS = ("license_conflict", "commercial")  # the search filters a summary answers
CONFLICT_VALUES = ("yes", "no")
MAX_TARGET_CHARS = 200
COMMERCIAL_VALUES = tuple(status.value for status in Status)


def install(hub: Hub) -> None:
    if on_commit not in hub.post_commit_hooks:
        hub.on_commit(on_commit)
    hub.jobs.handler(SUMMARY_JOB)(run_summary_job)


def on_commit(hub: Hub, event: CommitEvent) -> None:
    """Queue the summary of a model whose main branch moved, and of every repo whose summary depended on it."""
    if event.ref != MAIN_REF:
        return
    if event.repo_type == "model":
        _enqueue(hub, event.repo_pk, f"{event.commit_oid}")
    with hub.db.read() as session:
        dependents = session.scalars(select(LicenseDependency.repo_id).where(
            LicenseDependency.target_type == event.repo_type, LicenseDependency.target_id == event.repo_id)).all()
    for repo_pk in set(dependents) - {event.repo_pk}:
        _enqueue(hub, repo_pk, f"{event.repo_type}:{event.repo_pk}@{event.commit_oid}")


def _enqueue(hub: Hub, repo_pk: int, cause: str) -> None:
    # one job per cause: the queue reuses finished jobs under the same key, so the key must name the cause
    hub.jobs.enqueue(SUMMARY_JOB, {"repo_pk": repo_pk}, dedupe_key=f"{SUMMARY_JOB}:{repo_pk}:{cause}")


def run_summary_job(hub: Hub, payload: dict, progress) -> dict:
    with hub.db.read() as session:
        repo = session.get(Repo, payload["repo_pk"])
    if repo is None:
        return {"skipped": "repo deleted"}
    summary = summarize(hub, repo)
    progress(1.0, "summarised")
    if summary is None:
        return {"skipped": "no main branch, or it moved meanwhile"}
    return {"commit_oid": summary.commit_oid, "has_conflicts": summary.has_conflicts,
            "commercial": summary.commercial}


def summarize(hub: Hub, repo: Repo) -> LicenseSummary | None:
    """Compute and store the summary of the repo's main-branch head; None when there is no head to summarise or
    it moved while computing (the newer commit queued its own job)."""
    with hub.db.read() as session:
        head = revisions.head(session, repo.id, MAIN_REF)
    if head is None:
        return None
    try:
        subject = subject_source(hub, HUB_VIEW).subject(repo.repo_id, head, repo.type)
    except SubjectNotFound:
        return None
    result = verdict(subject, [COMMERCIAL])
    # a name longer than any hub repo id cannot be one, so it could never trigger a recompute
    targets = {(kind, target) for kind, target in dependency_keys(subject) - {(repo.type, repo.repo_id)}
               if len(target) <= MAX_TARGET_CHARS}
    kinds = sorted({conflict.kind for conflict in result.conflicts})
    summary = LicenseSummary(repo_id=repo.id, commit_oid=head, computed_at=utcnow(),
                             has_conflicts=bool(CONFLICT_KINDS.intersection(kinds)), conflict_kinds=kinds,
                             commercial=result.uses[COMMERCIAL].status.value)
    with hub.db.write() as session:
        if revisions.head(session, repo.id, MAIN_REF) != head:
            return None
        session.execute(delete(LicenseSummary).where(LicenseSummary.repo_id == repo.id))
        session.execute(delete(LicenseDependency).where(LicenseDependency.repo_id == repo.id))
        session.flush()
        session.add(summary)
        session.add_all(LicenseDependency(repo_id=repo.id, target_type=kind, target_id=target)
                        for kind, target in sorted(targets))
    return summary


def stored_summary(hub: Hub, repo: Repo) -> LicenseSummary | None:
    with hub.db.read() as session:
        return session.get(LicenseSummary, repo.id)


def check_filter(name: str, value: str) -> str:
    allowed = CONFLICT_VALUES if name == "license_conflict" else COMMERCIAL_VALUES
    if value not in allowed:
        raise InvalidInput(name, f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def summary_condition(name: str, value: str, repo_id: ColumnElement) -> ColumnElement[bool]:
    """A WHERE clause keeping repos whose stored summary has this value (``license_conflict``: yes|no,
    ``commercial``: a verdict status). Repos not summarised yet match neither value."""
    check_filter(name, value)
    wanted = (LicenseSummary.has_conflicts == (value == "yes") if name == "license_conflict"
              else LicenseSummary.commercial == value)
    return exists().where(and_(LicenseSummary.repo_id == repo_id, wanted))


def summary_counts(session: Session, name: str, repo_ids) -> list[tuple[str, int]]:
    """(value, number of repos) among a subquery's ``repo_id`` column, most common first."""
    value = (case((LicenseSummary.has_conflicts.is_(True), "yes"), else_="no") if name == "license_conflict"
             else LicenseSummary.commercial)
    rows = session.execute(select(value, func.count()).join(repo_ids, LicenseSummary.repo_id == repo_ids.c.repo_id)
                           .group_by(value).order_by(desc(func.count()), value))
    return [(v, n) for v, n in rows]
