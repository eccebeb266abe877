"""The job queue: rows in the metadata store, so any process sharing the database can run them.

By default the server runs jobs in a background thread of its own ("thread" mode); with
``AICOMMONS_JOBS=external`` it only enqueues, and ``aicommons worker`` processes do the work.
A job is claimed by compare-and-swap on its status, so two workers never run the same job, and a job
whose worker died (no heartbeat for ``STALE_AFTER``) is queued again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from aicommons.jobs.tables import Job
from aicommons.repos.objects import utcnow

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)
RETRY_BACKOFF = timedelta(seconds=5)


class Progress(Protocol):
    def __call__(self, fraction: float, message: str = "") -> None: ...


Handler = Callable[["object", dict, Progress], dict | None]


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str
    progress: float
    message: str
    result: dict | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> "JobView":
        return cls(job.id, job.kind, job.status, job.progress, job.message, job.result, job.error, job.created_at,
                   job.finished_at)


class JobQueue:
    def __init__(self, hub):
        self.hub = hub
        self.handlers: dict[str, Handler] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def handler(self, kind: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.handlers[kind] = fn
            return fn

        return register

    def enqueue(self, kind: str, payload: dict, dedupe_key: str | None = None, max_attempts: int = 3) -> int:
        """Queue a job; with a dedupe key, a job already queued or done under that key is reused."""
        now = utcnow()
        try:
            with self.hub.db.write() as session:
                job = Job(kind=kind, payload=payload, dedupe_key=dedupe_key, status="queued", run_after=now,
                          created_at=now, max_attempts=max_attempts, progress=0.0, message="", attempts=0)
                session.add(job)
                session.flush()
                job_id = job.id
        except IntegrityError:
            with self.hub.db.read() as session:
                job_id = session.scalar(select(Job.id).where(Job.dedupe_key == dedupe_key))
        self._wake.set()
        return job_id

    def get(self, job_id: int) -> JobView | None:
        with self.hub.db.read() as session:
            job = session.get(Job, job_id)
            return JobView.of(job) if job else None

    def run_one(self) -> bool:
        """Claim and run the next due job. Returns False when there was none."""
        job = self._claim()
        if job is None:
            return False
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r} in this process")
            result = handler(self.hub, job.payload, lambda fraction, message="": self._progress(job.id, fraction,
                                                                                                  message))
            self._finish(job.id, "done", result=result or {})
        except Exception as error:
            log.exception("job %s (%s) failed", job.id, job.kind)
            retry = job.attempts < job.max_attempts and handler is not None
            self._finish(job.id, "queued" if retry else "failed",
                         error="".join(traceback.format_exception_only(error)).strip(),
                         run_after=utcnow() + RETRY_BACKOFF * job.attempts if retry else None)
        return True

    def drain(self, max_jobs: int = 10_000) -> int:
        """Run due jobs until none is left (tests and the worker command use it)."""
        done = 0
        while done < max_jobs and self.run_one():
            done += 1
        return done

    def start_thread(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self.work_forever, name="aicommons-jobs", daemon=True)
            self._thread.start()

    def stop_thread(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=30)
            self._thread = None

    def work_forever(self, poll_seconds: float = 1.0) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_one()
            except Exception:  # a broken database connection must not kill the worker
                log.exception("job worker loop error")
                ran = False
            if not ran:
                self._wake.wait(poll_seconds)
                self._wake.clear()

    def _claim(self) -> Job | None:
        now = utcnow()
        with self.hub.db.write() as session:
            candidate = session.scalar(
                select(Job).where(or_(
                    (Job.status == "queued") & (Job.run_after <= now),
                    (Job.status == "running") & (Job.heartbeat_at < now - STALE_AFTER),
                )).order_by(Job.id).limit(1)
            )
            if candidate is None:
                return None
            claimed = session.execute(
                update(Job).where(Job.id == candidate.id, Job.status == candidate.status,
                                  Job.attempts == candidate.attempts)
                .values(status="running", attempts=candidate.attempts + 1, heartbeat_at=now)
            ).rowcount
            if claimed != 1:
                return None
            session.refresh(candidate)
            session.expunge(candidate)
            return candidate

    def _progress(self, job_id: int, fraction: float, message: str) -> None:
        with self.hub.db.write() as session:
            session.execute(update(Job).where(Job.id == job_id).values(
                progress=max(0.0, min(1.0, fraction)), message=message[:500], heartbeat_at=utcnow()))

    def _finish(self, job_id: int, status: str, result: dict | None = None, error: str | None = None,
                run_after: datetime | None = None) -> None:
        values = dict(status=status, error=error, heartbeat_at=utcnow())
        if status == "done":
            values.update(progress=1.0, result=result, finished_at=utcnow())
        elif status == "failed":
            values.update(finished_at=utcnow())
        else:
            values.update(run_after=run_after)
        with self.hub.db.write() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))
