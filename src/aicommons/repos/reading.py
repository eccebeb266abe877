"""Reading a repo at a revision: its files, folders, refs and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.errors import EntryNotFound
from aicommons.hub import Hub
from aicommons.repos import revisions
from aicommons.repos.objects import FileEntry
from aicommons.storage.tables import CommitRow, Ref, Repo


@dataclass(frozen=True)
class Snapshot:
    """A repo's files at one commit."""

    repo: Repo
    commit_oid: str
    ref: str | None
    tree_oid: str
    files: dict[str, FileEntry]


@dataclass(frozen=True)
class CommitInfo:
    oid: str
    parents: list[str]
    author_name: str
    author_email: str
    message: str
    created_at: datetime

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


def snapshot(hub: Hub, repo: Repo, revision: str | None) -> Snapshot:
    with hub.db.read() as session:
        resolved = revisions.resolve(session, repo.id, revision)
        row = session.get(CommitRow, (repo.id, resolved.commit_oid))
        files = hub.trees.flatten(session, row.tree_oid)
    return Snapshot(repo, resolved.commit_oid, resolved.ref, row.tree_oid, files)


def file_entry(snap: Snapshot, path: str) -> FileEntry:
    entry = snap.files.get(path)
    if entry is None:
        raise EntryNotFound(f"Entry not found: {path} at {snap.commit_oid}", commit=snap.commit_oid)
    return entry


def read_text(hub: Hub, snap: Snapshot, path: str, limit: int = 10 * 1024 * 1024) -> str | None:
    """A small text file's content, or None when it is absent or too large."""
    entry = snap.files.get(path)
    if entry is None or entry.size > limit:
        return None
    return hub.blobs.read(entry.sha256).decode("utf-8", "replace")


def directory_oids(hub: Hub, snap: Snapshot) -> dict[str, str]:
    """Every folder of the snapshot by path, with its git tree id."""
    out: dict[str, str] = {}
    with hub.db.read() as session:
        _collect_dirs(hub, session, snap.tree_oid, "", out)
    return out


def _collect_dirs(hub: Hub, session: Session, oid: str, prefix: str, out: dict[str, str]) -> None:
    for name, child in hub.trees.node(session, oid).dirs.items():
        out[prefix + name] = child
        _collect_dirs(hub, session, child, f"{prefix}{name}/", out)


def list_refs(hub: Hub, repo: Repo) -> list[Ref]:
    with hub.db.read() as session:
        return list(session.scalars(select(Ref).where(Ref.repo_id == repo.id).order_by(Ref.name)))


def history(hub: Hub, repo: Repo, commit_oid: str, limit: int | None = None, offset: int = 0) -> list[CommitInfo]:
    """Commits reachable from ``commit_oid`` along first parents, newest first."""
    out = []
    with hub.db.read() as session:
        oid = commit_oid
        skipped = 0
        while oid and (limit is None or len(out) < limit):
            row = session.get(CommitRow, (repo.id, oid))
            if row is None:
                break
            if skipped < offset:
                skipped += 1
            else:
                out.append(_info(row))
            oid = row.parents[0] if row.parents else None
    return out


def commit_info(hub: Hub, repo: Repo, oid: str) -> CommitInfo:
    with hub.db.read() as session:
        return _info(session.get(CommitRow, (repo.id, oid)))


def _info(row: CommitRow) -> CommitInfo:
    return CommitInfo(row.oid, list(row.parents), row.author_name, row.author_email, row.message, row.created_at)
