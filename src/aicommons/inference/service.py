"""The inference service of one server process: admission with back-pressure, a bounded worker pool, the
model cache and the statistics monitoring reads.

A request is admitted when fewer than ``workers + queue`` are in flight; otherwise it gets Overloaded (429)
with a Retry-After estimated from recent latencies. Admitted work runs in the pool, never on the event loop,
and holds its place until the work ends, also when a streaming client has gone away.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from aicommons.hub import Hub
from aicommons.inference.cache import ModelCache
from aicommons.inference.errors import Overloaded, Unavailable
from aicommons.inference.loaders import LoadedModel, load, load_key
from aicommons.inference.settings import InferenceSettings
from aicommons.inference.targets import ModelKinds, Target, estimated_bytes
from aicommons.monitoring.stats import InferenceStats

T = TypeVar("T")
MAX_RETRY_AFTER = 60
# what a streaming job emits: ("text", piece) as it goes, then ("done", result) or ("error", exception)
Event = tuple[str, object]


class InferenceService:
    def __init__(self, hub: Hub, settings: InferenceSettings | None = None):
        self.hub = hub
        self.settings = settings or InferenceSettings.from_env()
        self.cache = ModelCache(self.settings.memory_bytes)
        self.kinds = ModelKinds(hub)
        self.stats = InferenceStats()
        self.executor = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="inference")
        self._lock = threading.Lock()
        self._in_flight = 0
        self._threads_set = False

    @property
    def capacity(self) -> int:
        return self.settings.workers + self.settings.queue

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _admit(self, target: Target) -> None:
        with self._lock:
            if self._in_flight >= self.capacity:
                waiting = self._in_flight - self.settings.workers + 1
                retry = self.stats.mean_latency() * waiting / self.settings.workers
                self.stats.record_rejected(target.repo.id, target.label, target.task)
                raise Overloaded(f"The inference queue is full ({self._in_flight} requests in flight); "
                                 "retry later", max(1, min(MAX_RETRY_AFTER, math.ceil(retry))))
            self._in_flight += 1

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1

    async def execute(self, target: Target, work: Callable[[LoadedModel, float], T]) -> T:
        """Run ``work(model, deadline)`` in the pool once admitted; statistics record how it went."""
        self._admit(target)
        started = time.monotonic()

        def job() -> T:
            try:
                return work(self.model(target), self.deadline())
            finally:
                self._release()

        try:
            result = await self._submit(job)
        except BaseException:
            self.stats.record(target.repo.id, target.label, target.task, time.monotonic() - started, ok=False)
            raise
        self._record(target, started, result)
        return result

    async def stream(self, target: Target,
                     work: Callable[[LoadedModel, float, Callable[[str], None], threading.Event], T]
                     ) -> AsyncIterator[Event]:
        """Run ``work(model, deadline, on_text, cancel)`` in the pool and yield its events. Closing the
        iterator (the client went away) sets ``cancel`` so the work stops early."""
        self._admit(target)
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Event] = asyncio.Queue()
        cancel = threading.Event()

        def emit(kind: str, value) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, (kind, value))
            except RuntimeError:  # the server's loop has closed: nobody is listening any more
                cancel.set()

        def job() -> None:
            try:
                emit("done", work(self.model(target), self.deadline(), lambda text: emit("text", text), cancel))
            except Exception as error:
                emit("error", error)
            finally:
                self._release()

        await self._submit(job, wait=False)
        return self._events(target, started, events, cancel)

    async def _events(self, target: Target, started: float, events: asyncio.Queue,
                      cancel: threading.Event) -> AsyncIterator[Event]:
        outcome = None
        try:
            while outcome is None:
                kind, value = await events.get()
                if kind != "text":
                    outcome = kind, value
                yield kind, value
        finally:
            cancel.set()
            if outcome is not None and outcome[0] == "done":
                self._record(target, started, outcome[1])
            else:
                self.stats.record(target.repo.id, target.label, target.task, time.monotonic() - started, ok=False)

    async def _submit(self, job: Callable[[], T], wait: bool = True):
        """Hand ``job`` (which releases its place when it ends) to the pool; a pool already shut down (the
        server is stopping) releases the place here and refuses."""
        try:
            future = asyncio.get_running_loop().run_in_executor(self.executor, job)
        except RuntimeError:
            self._release()
            raise Unavailable("The inference service is shutting down") from None
        return await future if wait else future

    def _record(self, target: Target, started: float, result) -> None:
        self.stats.record(target.repo.id, target.label, target.task, time.monotonic() - started, ok=True,
                          tokens=getattr(result, "generated_tokens", 0),
                          decode_seconds=getattr(result, "decode_seconds", 0.0))

    def model(self, target: Target) -> LoadedModel:
        """The loaded model for a target (call from a worker: loading reads blobs and takes seconds)."""
        self._share_cpu(target)
        key = (target.repo.id, target.snap.commit_oid, load_key(target.kind, target.task))
        return self.cache.get(key, lambda: load(self.hub, target.snap, target.kind, target.task),
                              lambda: estimated_bytes(self.hub, target))

    def _share_cpu(self, target: Target) -> None:
        """Give each worker cores/workers threads for its matrix work, so concurrent requests do not
        oversubscribe the machine (torch's setting is process-wide; set once, before the first torch model)."""
        if self._threads_set or target.kind.framework == "sklearn":
            return
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // self.settings.workers))
        self._threads_set = True

    def deadline(self) -> float:
        return time.monotonic() + self.settings.max_seconds

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.cache.clear()
