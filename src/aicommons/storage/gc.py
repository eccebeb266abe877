"""Garbage collection: remove blobs, Xet files and xorbs that no commit refers to any more.

Uploads in flight are safe. Content is removed only when it is unreferenced AND older than a grace period
(an upload records its blob or Xet file before the commit that names it, and re-uploading touches the
record). An old orphan taken in the instant between an upload storing it again and recording it is stored
once more by a commit, which still holds the bytes, or refused with 409 so that the upload is repeated. Xorbs get a longer grace after their last use, because clients remember xorbs in their local
shard cache for weeks and reuse them in later uploads without sending them again.

The decision and the deletions happen in one write transaction that excludes commits and uploads
(SQLite takes its write lock; PostgreSQL gets explicit table locks), so a commit either lands before
and keeps its content, or after, and is told the content is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aicommons.hub import Hub
from aicommons.repos.objects import utcnow
from aicommons.storage.blobs import blob_key
from aicommons.storage.references import referenced_by_repo
from aicommons.storage.tables import Blob, RepoBlob
from aicommons.xet import xet_service
from aicommons.xet.content import xorb_key
from aicommons.xet.tables import XetFile, XetFileXorb, XetXorb

DEFAULT_GRACE = timedelta(hours=24)
DEFAULT_XORB_GRACE = timedelta(days=21)  # the client's shard cache keeps xorbs this long


@dataclass(frozen=True)
class GcReport:
    blobs: int = 0
    blob_bytes: int = 0
    xet_files: int = 0
    xorbs: int = 0
    xorb_bytes: int = 0
    stale_uploads: int = 0
    dry_run: bool = False


def collect_garbage(hub: Hub, grace: timedelta = DEFAULT_GRACE, xorb_grace: timedelta = DEFAULT_XORB_GRACE,
                    dry_run: bool = False) -> GcReport:
    now = utcnow()
    if dry_run:
        with hub.db.read() as session:
            return _plan(hub, session, now - grace, now - xorb_grace).report(dry_run=True)
    with hub.db.write() as session:
        _exclude_writers(hub, session)
        plan = _plan(hub, session, now - grace, now - xorb_grace)
        for part in _parts(sorted(plan.shas)):
            session.execute(delete(RepoBlob).where(RepoBlob.sha256.in_(part)))
            session.execute(delete(Blob).where(Blob.sha256.in_(part)))
        for part in _parts(sorted(plan.files)):
            session.execute(delete(XetFileXorb).where(XetFileXorb.file_hash.in_(part)))
            session.execute(delete(XetFile).where(XetFile.file_hash.in_(part)))
        for part in _parts(sorted(plan.xorbs)):
            session.execute(delete(XetXorb).where(XetXorb.hash.in_(part)))
        session.flush()
        # objects go while the lock is held: an upload of the same content that follows stores it anew
        for sha256 in plan.whole:
            hub.blobs.objects.delete(blob_key(sha256))
        for xorb_hash in plan.xorbs:
            hub.blobs.objects.delete(xorb_key(xorb_hash))
    xet_service(hub).content.forget_cached()
    stale = hub.blobs.clean_stale_uploads(grace.total_seconds())
    return plan.report(stale_uploads=stale)


@dataclass
class _Plan:
    shas: dict[str, int]  # content to drop: sha256 -> size
    whole: list[str]  # of those, the ones stored as whole objects
    files: set[str]  # Xet files of that content
    xorbs: dict[str, int]  # xorbs no remaining file uses: hash -> stored size

    def report(self, **extra) -> GcReport:
        return GcReport(len(self.shas), sum(self.shas[s] for s in self.whole), len(self.files), len(self.xorbs),
                        sum(self.xorbs.values()), **extra)


def _plan(hub: Hub, session: Session, before, xorbs_before) -> _Plan:
    """Content goes when no commit refers to it, its blob is older than the grace period and no Xet upload
    used it within that period; a xorb goes when no remaining file uses it and its last use is old."""
    referenced = set().union(*referenced_by_repo(hub, session).values())
    files_of: dict[str, set[str]] = {}
    fresh = set()
    for file_hash, sha256, last_used in session.execute(select(XetFile.file_hash, XetFile.sha256,
                                                              XetFile.last_used_at)):
        files_of.setdefault(sha256, set()).add(file_hash)
        if _aware(last_used) >= before:
            fresh.add(sha256)
    shas = {sha256: size for sha256, size in session.execute(select(Blob.sha256, Blob.size)
                                                               .where(Blob.created_at < before))
            if sha256 not in referenced and sha256 not in fresh}
    files = set().union(*(files_of.get(sha, set()) for sha in shas)) if shas else set()
    used = {x for f, x in session.execute(select(XetFileXorb.file_hash, XetFileXorb.xorb_hash)) if f not in files}
    xorbs = {x: size for x, size in session.execute(select(XetXorb.hash, XetXorb.stored_size)
                                                    .where(XetXorb.last_used_at < xorbs_before)) if x not in used}
    whole = [sha for sha in shas if hub.blobs.objects.exists(blob_key(sha))]
    return _Plan(shas, whole, files, xorbs)


def _aware(moment):
    # SQLite returns naive datetimes for timezone-aware columns; they were written in UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _exclude_writers(hub: Hub, session: Session) -> None:
    if not hub.db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already holds the only write lock
        # commits read repo_blobs to accept content; uploads write xorbs and files
        session.connection().exec_driver_sql("LOCK TABLE repo_blobs IN ACCESS EXCLUSIVE MODE")
        session.connection().exec_driver_sql("LOCK TABLE xet_xorbs, xet_files IN SHARE ROW EXCLUSIVE MODE")


def _parts(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]
