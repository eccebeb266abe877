"""Reading a task's rows from its dataset repo on the hub, at the revision the task pins."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aicommons.errors import InvalidInput, NotFound, RepoNotFound
from aicommons.evaluation import builtin
from aicommons.hub import Hub
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from aicommons.repos.reading import file_entry, snapshot


@dataclass(frozen=True)
class SplitData:
    repo_id: str
    revision: str  # as the task pins it
    commit: str  # what that resolved to
    path: str
    sha256: str
    rows: list[dict]

    def describe(self) -> dict:
        return {"repo": self.repo_id, "revision": self.revision, "commit": self.commit, "path": self.path,
                "sha256": self.sha256}


def ensure_dataset(hub: Hub, task) -> None:
    """Create a built-in task's dataset repo on first use."""
    ref = task.dataset
    if ref.builtin and not builtin.is_installed(hub, ref.repo, ref.revision):
        builtin.install(hub, ref.builtin, ref.repo, ref.revision)


def load_split(hub: Hub, task, split: str) -> SplitData:
    ensure_dataset(hub, task)
    ref = task.dataset
    repo = find_repo(hub, RepoType.DATASET, ref.repo)
    if repo is None:
        raise RepoNotFound(f"Dataset {ref.repo} of task {task.name} is not on this hub")
    snap = snapshot(hub, repo, ref.revision)
    path = ref.file_for(split)
    try:
        entry = file_entry(snap, path)
    except NotFound:
        raise NotFound(f"Dataset {ref.repo}@{ref.revision} has no split {split!r} ({path})") from None
    rows = parse_jsonl(hub.blobs.read(entry.sha256), f"{ref.repo}/{path}")
    return SplitData(ref.repo, ref.revision, snap.commit_oid, path, entry.sha256, rows)


def parse_jsonl(data: bytes, where: str) -> list[dict]:
    rows = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidInput("dataset", f"{where} line {number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise InvalidInput("dataset", f"{where} line {number}: a row must be a JSON object")
        rows.append(row)
    return rows
