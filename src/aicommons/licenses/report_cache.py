"""Licence verdict and openness of a repo commit as one viewer may see them, kept in memory between page views.

Walking lineage and training data reads every upstream card and LICENSE file, which is too slow to repeat on
each view of a repo page. A report is reused while everything it depends on stands still: the repo commit,
and for each upstream repo (hidden and off-hub ones included) whether it is on the hub, the head of its main
branch and whether this viewer may read it. Viewers who see the same upstream share a report; one who may
see a private ancestor never shares with one who may not, so a cached report never names what the viewer
may not see.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import and_, select, tuple_

from aicommons.accounts.access import can_read
from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.licenses.graph import dependency_keys
from aicommons.licenses.hub_source import subject_source
from aicommons.licenses.results import Verdict
from aicommons.licenses.verdict import verdict
from aicommons.openness import OpennessReport, openness
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.storage.tables import Ref, Repo

MAX_REPORTS = 512
MAIN_REF = f"refs/heads/{DEFAULT_BRANCH}"


@dataclass(frozen=True)
class LicenseReport:
    verdict: Verdict
    openness: OpennessReport


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.dependencies: dict[tuple[str, str, str], frozenset[tuple[str, str]]] = {}
        self.reports: OrderedDict[tuple, LicenseReport] = OrderedDict()

    def get(self, key: tuple) -> LicenseReport | None:
        with self.lock:
            report = self.reports.get(key)
            if report is not None:
                self.reports.move_to_end(key)
            return report

    def put(self, commit_key: tuple, keys: frozenset[tuple[str, str]], state: tuple, report: LicenseReport) -> None:
        with self.lock:
            if len(self.dependencies) > 4 * MAX_REPORTS:
                self.dependencies.clear()
            self.dependencies[commit_key] = keys
            self.reports[(commit_key, state)] = report
            self.reports.move_to_end((commit_key, state))
            while len(self.reports) > MAX_REPORTS:
                self.reports.popitem(last=False)


_caches: "weakref.WeakKeyDictionary[Hub, _Cache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_of(hub: Hub) -> _Cache:
    with _caches_lock:
        return _caches.setdefault(hub, _Cache())


def license_report(hub: Hub, principal: Principal, repo: Repo, commit_oid: str) -> LicenseReport:
    """The verdict for every intended use and the openness grading of ``repo`` at ``commit_oid``, as
    ``principal`` may see them (private upstream repos it cannot read are counted but never named)."""
    cache = _cache_of(hub)
    commit_key = (repo.type, repo.repo_id, commit_oid)
    known = cache.dependencies.get(commit_key)
    if known is not None:
        cached = cache.get((commit_key, upstream_state(hub, principal, known)))
        if cached is not None:
            return cached
    subject = subject_source(hub, principal).subject(repo.repo_id, commit_oid, repo.type)
    report = LicenseReport(verdict(subject), openness(subject))
    keys = frozenset(dependency_keys(subject))
    cache.put(commit_key, keys, upstream_state(hub, principal, keys), report)
    return report


def upstream_state(hub: Hub, principal: Principal, keys: frozenset[tuple[str, str]]) -> tuple:
    """For each (type, repo id) a report depends on: its main head (None when not on the hub) and whether
    the principal may read it. One query whatever the number of repos."""
    pairs = [(kind, *repo_id.split("/", 1)) for kind, repo_id in keys if repo_id.count("/") == 1]
    found: dict[tuple[str, str], tuple[str | None, bool]] = {}
    if pairs:
        with hub.db.read() as session:
            rows = session.execute(
                select(Repo, Ref.commit_oid)
                .outerjoin(Ref, and_(Ref.repo_id == Repo.id, Ref.name == MAIN_REF))
                .where(tuple_(Repo.type, Repo.namespace, Repo.name).in_(pairs))
            ).all()
            for repo, head in rows:
                found[(repo.type, repo.repo_id)] = (head, can_read(principal, repo))
    return tuple(sorted((kind, repo_id, *found.get((kind, repo_id), (None, False))) for kind, repo_id in keys))
