"""What a request runs: a model visible to the caller, at a revision, with a task it supports."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.inference import tasks
from aicommons.inference.errors import NotLoadable
from aicommons.repos.manage import visible_repo
from aicommons.repos.names import RepoType
from aicommons.repos.reading import Snapshot, snapshot
from aicommons.resources.report import CommitFiles, parameter_count
from aicommons.storage.tables import Repo

FP32_BYTES = 4
KINDS_KEPT = 1024


@dataclass(frozen=True)
class Target:
    """One model at one commit, and the task a request asked of it."""

    repo: Repo
    snap: Snapshot
    kind: tasks.ModelKind
    task: str

    @property
    def label(self) -> str:
        return self.repo.repo_id


class ModelKinds:
    """What each commit's model is, remembered per commit (a commit's files never change)."""

    def __init__(self, hub: Hub):
        self.hub = hub
        self._kinds: OrderedDict[tuple[int, str], tasks.ModelKind | None] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, repo: Repo, snap: Snapshot) -> tasks.ModelKind | None:
        key = (repo.id, snap.commit_oid)
        with self._lock:
            if key in self._kinds:
                return self._kinds[key]
        files = CommitFiles(self.hub, snap)
        kind = tasks.model_kind(files.read_text, files.paths)
        with self._lock:
            self._kinds[key] = kind
            while len(self._kinds) > KINDS_KEPT:
                self._kinds.popitem(last=False)
        return kind


def find_target(kinds: ModelKinds, principal: Principal, repo_id: str, revision: str | None,
                task: str | None) -> Target:
    """RepoNotFound when the caller may not see the model; NotLoadable when the hub cannot run it."""
    repo = visible_repo(kinds.hub, principal, RepoType.MODEL, repo_id)
    snap = snapshot(kinds.hub, repo, revision)
    kind = kinds.of(repo, snap)
    if kind is None:
        raise NotLoadable(f"{repo_id} is not a model the hub can run: it needs a transformers config.json with a "
                          "supported architecture, a sentence-transformers modules.json, or a skops file")
    return Target(repo, snap, kind, kind.choose(task))


def estimated_bytes(hub: Hub, target: Target) -> int:
    """Memory the loaded model will take: fp32 parameters, or the skops file's size."""
    if target.kind.framework == "sklearn":
        return target.snap.files[target.kind.weights].size
    count = parameter_count(CommitFiles(hub, target.snap))
    return count.total * FP32_BYTES if count else 0
