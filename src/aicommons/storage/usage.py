"""How much the repos hold (logical bytes) against what the store keeps for them (physical bytes).

Logical bytes count each distinct file version of any revision once, at its full size: what keeping every
version whole would cost. Physical bytes are the objects actually stored for those versions: whole blobs,
and for files uploaded through Xet the xorbs their chunks live in, each object counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from aicommons.hub import Hub
from aicommons.storage.blobs import blob_key
from aicommons.storage.references import referenced_by_repo
from aicommons.storage.tables import Blob, Repo
from aicommons.xet.tables import XetFile, XetFileXorb, XetXorb


@dataclass(frozen=True)
class RepoUsage:
    repo_type: str
    repo_id: str
    file_versions: int
    logical_bytes: int
    physical_bytes: int


@dataclass
class StorageUsage:
    repos: list[RepoUsage] = field(default_factory=list)
    logical_bytes: int = 0  # over all repos; content shared by repos counted once
    referenced_bytes: int = 0  # stored objects some commit needs
    stored_bytes: int = 0  # every stored blob and xorb, needed or not
    unreferenced_bytes: int = 0  # what `aicommons gc` may reclaim once its grace periods pass


def storage_usage(hub: Hub) -> StorageUsage:
    whole_blobs = set(hub.blobs.all_sha256())
    with hub.db.read() as session:
        by_repo = referenced_by_repo(hub, session)
        sizes = dict(session.execute(select(Blob.sha256, Blob.size)).all())
        repos = {repo.id: repo for repo in session.scalars(select(Repo))}
        xorbs_of: dict[str, set[str]] = {}
        for sha256, xorb_hash in session.execute(
                select(XetFile.sha256, XetFileXorb.xorb_hash).join(XetFileXorb,
                                                                   XetFileXorb.file_hash == XetFile.file_hash)):
            xorbs_of.setdefault(sha256, set()).add(xorb_hash)
        xorb_sizes = dict(session.execute(select(XetXorb.hash, XetXorb.stored_size)).all())

    def physical(contents: set[str]) -> int:
        blobs = sum(sizes.get(sha, 0) for sha in contents if sha in whole_blobs)
        xorbs = set().union(*(xorbs_of.get(sha, ()) for sha in contents))
        return blobs + sum(xorb_sizes.get(x, 0) for x in xorbs)

    usage = StorageUsage()
    for repo_pk, contents in sorted(by_repo.items(), key=lambda item: _label(repos.get(item[0]))):
        repo = repos.get(repo_pk)
        if repo is None:
            continue
        usage.repos.append(RepoUsage(repo.type, repo.repo_id, len(contents), sum(sizes.get(s, 0) for s in contents),
                                     physical(contents)))
    everything = set().union(*by_repo.values()) if by_repo else set()
    usage.logical_bytes = sum(sizes.get(s, 0) for s in everything)
    usage.referenced_bytes = physical(everything)
    untracked = whole_blobs - sizes.keys()  # uploads in flight, or leftovers of a crash
    usage.stored_bytes = (sum(sizes[s] for s in whole_blobs - untracked) + sum(xorb_sizes.values())
                          + sum(hub.blobs.objects.size(blob_key(s)) for s in untracked))
    usage.unreferenced_bytes = usage.stored_bytes - usage.referenced_bytes
    return usage


def _label(repo: Repo | None) -> tuple:
    return (repo.type, repo.repo_id) if repo is not None else ("", "")
