"""Download counts, kept in memory and added to the store in batches so that serving a file costs no write."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import update

from aicommons.hub import Hub
from aicommons.storage.tables import Repo

FLUSH_SECONDS = 30.0


class DownloadCounter:
    def __init__(self, hub: Hub, flush_seconds: float = FLUSH_SECONDS):
        self.hub = hub
        self.flush_seconds = flush_seconds
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def count(self, repo_pk: int) -> None:
        with self._lock:
            self._pending[repo_pk] += 1
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        with self.hub.db.write() as session:
            for repo_pk, n in pending.items():
                session.execute(update(Repo).where(Repo.id == repo_pk).values(downloads=Repo.downloads + n))
