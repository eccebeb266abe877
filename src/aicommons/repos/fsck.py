"""Integrity check of the whole store: every blob re-hashed, every commit id recomputed, every tree,
ref and file reference resolved. Reports problems; changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from aicommons.hub import Hub
from aicommons.repos.objects import Commit, Signature
from aicommons.repos.trees import TreeReader
from aicommons.storage.objects import CHUNK
from aicommons.storage.tables import Blob, CommitRow, Ref, Repo


@dataclass
class FsckReport:
    blobs_checked: int = 0
    commits_checked: int = 0
    refs_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def fsck(hub: Hub, progress: Callable[[str], None] = lambda _msg: None) -> FsckReport:
    report = FsckReport()
    _check_blobs(hub, report, progress)
    _check_commits_and_refs(hub, report, progress)
    return report


def _check_blobs(hub: Hub, report: FsckReport, progress) -> None:
    with hub.db.read() as session:
        sizes = dict(session.execute(select(Blob.sha256, Blob.size)).all())
    for sha256, size in sizes.items():
        progress(f"blob {sha256[:12]}")
        report.blobs_checked += 1
        if not hub.blobs.exists(sha256):
            report.problems.append(f"blob {sha256} is recorded but missing from the blob store")
            continue
        digest, length = hashlib.sha256(), 0
        with hub.blobs.open(sha256) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                length += len(chunk)
        if digest.hexdigest() != sha256:
            report.problems.append(f"blob {sha256} is corrupt: its content hashes to {digest.hexdigest()}")
        elif length != size:
            report.problems.append(f"blob {sha256} has {length} bytes, {size} recorded")


def _check_commits_and_refs(hub: Hub, report: FsckReport, progress) -> None:
    trees = TreeReader()  # a cold cache: every tree is read from the store itself
    with hub.db.read() as session:
        repos = {repo.id: repo.repo_id for repo in session.scalars(select(Repo))}
        known_blobs = set(session.scalars(select(Blob.sha256)))
        for row in session.scalars(select(CommitRow)):
            label = f"{repos.get(row.repo_id, row.repo_id)}@{row.oid[:12]}"
            progress(f"commit {label}")
            report.commits_checked += 1
            recomputed = Commit(row.tree_oid, tuple(row.parents), Signature(row.author_name, row.author_email),
                                row.message, row.created_at).oid
            if recomputed != row.oid:
                report.problems.append(f"commit {label}: content hashes to {recomputed}, not its id")
            for parent in row.parents:
                if session.get(CommitRow, (row.repo_id, parent)) is None:
                    report.problems.append(f"commit {label}: parent {parent} is missing")
            try:
                files = trees.flatten(session, row.tree_oid)
            except LookupError as error:
                report.problems.append(f"commit {label}: {error}")
                continue
            for path, entry in files.items():
                if entry.sha256 not in known_blobs:
                    report.problems.append(f"commit {label}: {path} refers to missing blob {entry.sha256}")
        for ref in session.scalars(select(Ref)):
            report.refs_checked += 1
            if session.get(CommitRow, (ref.repo_id, ref.commit_oid)) is None:
                report.problems.append(f"{repos.get(ref.repo_id)} {ref.name} points at missing commit {ref.commit_oid}")
