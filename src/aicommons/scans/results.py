"""Scanning stored blobs and reading the cached results.

A blob is scanned once per rules version: the post-commit hook queues one ``security.scan`` job per new blob
(deduplicated by sha256 and rules version), the job stores a ``ScanRecord``, and readers ask ``file_scans``.
A file's status is its newest verdict (from an older rules version if that is all there is, marked stale),
``pending`` while its job waits, or ``unscanned`` when no job exists (blobs older than the scanner, a job that
failed): those are served, but never reported as safe.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aicommons.hub import CommitEvent, Hub
from aicommons.jobs.tables import Job
from aicommons.repos.objects import utcnow
from aicommons.security import ScanResult, Verdict, rules_version, scan_file
from aicommons.scans.tables import ScanRecord
from aicommons.storage.tables import Blob, CommitRow

SCAN_JOB = "security.scan"
PENDING, UNSCANNED = "pending", "unscanned"


def job_key(sha256: str, version: str | None = None) -> str:
    return f"{SCAN_JOB}:{sha256}:{version or rules_version()}"


@dataclass(frozen=True)
class FileScan:
    """What is known about one blob: ``status`` is a Verdict value, ``pending`` or ``unscanned``."""

    status: str
    format: str | None = None
    findings: list[dict] = field(default_factory=list)
    rules_version: str | None = None
    stale: bool = False  # the result comes from an older rules version (a rescan is due)

    @property
    def scanned(self) -> bool:
        return self.status not in (PENDING, UNSCANNED)

    def globals_named(self) -> list[str]:
        """The globals and constructs the findings name, worst first (for messages)."""
        ranked = sorted((f for f in self.findings if f.get("name")),
                        key=lambda f: -Verdict(f["severity"]).rank if f["severity"] != "info" else 1)
        return list(dict.fromkeys(f["name"] for f in ranked))

    def to_dict(self) -> dict:
        return {"status": self.status, "format": self.format, "rules_version": self.rules_version,
                "stale": self.stale, "findings": self.findings}


# -- scanning ------------------------------------------------------------------------------------------------------

def scan_blob(hub: Hub, sha256: str) -> ScanRecord:
    """Scan one stored blob under the current rules and cache the result (kept if another worker was faster)."""
    result = _scan_content(hub, sha256)
    record = ScanRecord(sha256=sha256, rules_version=rules_version(), verdict=result.verdict.value,
                        format=result.format[:100], findings=[f.to_dict() for f in result.findings],
                        scanned_at=utcnow())
    try:
        with hub.db.write() as session:
            session.add(record)
    except IntegrityError:
        pass  # the same content scanned twice under the same rules: the first row is as good as ours
    return record


def _scan_content(hub: Hub, sha256: str) -> ScanResult:
    local = hub.blobs.local_path(sha256)
    if local is not None:
        return scan_file(local)
    # object stores and Xet sources: spool to a temporary file, which the scanner memory-maps when large
    spool_dir = hub.settings.data_dir / "tmp"
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool_dir, prefix="scan-") as spool:
        with hub.blobs.open(sha256) as source:
            shutil.copyfileobj(source, spool, 1 << 20)
        spool.flush()
        return scan_file(Path(spool.name))


def run_scan_job(hub: Hub, payload: dict, progress) -> dict:
    sha256 = payload["sha256"]
    with hub.db.read() as session:
        done = session.get(ScanRecord, (sha256, rules_version()))
    record = done or scan_blob(hub, sha256)
    progress(1.0, f"{record.verdict}")
    return {"sha256": sha256, "verdict": record.verdict, "rules_version": record.rules_version}


def enqueue_scans(hub: Hub, sha256s) -> list[int]:
    """Queue a scan for each blob that has no result under the current rules."""
    wanted = set(sha256s)
    if not wanted:
        return []
    version = rules_version()
    with hub.db.read() as session:
        wanted -= set(session.scalars(select(ScanRecord.sha256).where(
            ScanRecord.rules_version == version, ScanRecord.sha256.in_(wanted))))
    return [hub.jobs.enqueue(SCAN_JOB, {"sha256": sha256}, dedupe_key=job_key(sha256, version))
            for sha256 in sorted(wanted)]


def on_commit(hub: Hub, event: CommitEvent) -> None:
    """Post-commit hook: queue scans for the blobs this commit brings that its parent did not have."""
    with hub.db.read() as session:
        row = session.get(CommitRow, (event.repo_pk, event.commit_oid))
        files = hub.trees.flatten(session, row.tree_oid)
        before = set()
        if event.parent_oid:
            parent = session.get(CommitRow, (event.repo_pk, event.parent_oid))
            if parent is not None:
                before = {entry.sha256 for entry in hub.trees.flatten(session, parent.tree_oid).values()}
    enqueue_scans(hub, {entry.sha256 for entry in files.values()} - before)


def blobs_due(hub: Hub) -> list[str]:
    """Stored blobs without a result under the current rules: stale results first, then never scanned."""
    version = rules_version()
    with hub.db.read() as session:
        current = select(ScanRecord.sha256).where(ScanRecord.rules_version == version)
        stale = set(session.scalars(select(ScanRecord.sha256).where(ScanRecord.sha256.not_in(current))))
        never = set(session.scalars(select(Blob.sha256).where(
            Blob.sha256.not_in(select(ScanRecord.sha256))))) - stale
    return sorted(stale) + sorted(never)


# -- reading -------------------------------------------------------------------------------------------------------

def file_scans(hub: Hub, sha256s) -> dict[str, FileScan]:
    """The best known scan of each blob (see the module docstring)."""
    wanted = set(sha256s)
    version = rules_version()
    best: dict[str, ScanRecord] = {}
    pending: set[str] = set()
    with hub.db.read() as session:
        for chunk in _chunks(sorted(wanted)):
            for row in session.scalars(select(ScanRecord).where(ScanRecord.sha256.in_(chunk))):
                held = best.get(row.sha256)
                if held is None or _newer(row, held, version):
                    best[row.sha256] = row
            keys = {job_key(s, version): s for s in chunk if s not in best}
            if keys:
                pending.update(keys[key] for key in session.scalars(select(Job.dedupe_key).where(
                    Job.dedupe_key.in_(list(keys)), Job.status.in_(("queued", "running")))))
    out = {}
    for sha256 in wanted:
        row = best.get(sha256)
        if row is not None:
            out[sha256] = FileScan(row.verdict, row.format, row.findings, row.rules_version,
                                   stale=row.rules_version != version)
        else:
            out[sha256] = FileScan(PENDING if sha256 in pending else UNSCANNED)
    return out


def _newer(row: ScanRecord, held: ScanRecord, version: str) -> bool:
    if held.rules_version == version:
        return False
    return row.rules_version == version or row.scanned_at > held.scanned_at


def _chunks(items: list[str], size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rescan_due(hub: Hub, on_each=None) -> dict[str, int]:
    """Scan every stored blob that lacks a result under the current rules; counts by verdict."""
    counts: dict[str, int] = {}
    for sha256 in blobs_due(hub):
        if not hub.blobs.exists(sha256):
            counts["missing"] = counts.get("missing", 0) + 1  # `aicommons fsck` reports these
            continue
        record = scan_blob(hub, sha256)
        counts[record.verdict] = counts.get(record.verdict, 0) + 1
        if on_each is not None:
            on_each(sha256, record.verdict)
    return counts
