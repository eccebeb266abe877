"""Per-model inference statistics of this server process: requests, errors, rejections, latency (cumulative
histogram buckets for Prometheus, and a window of recent requests for exact p50/p95/p99) and generated tokens."""

from __future__ import annotations

import bisect
import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WINDOW = 1000  # recent requests kept per model for percentiles
QUANTILES = (0.5, 0.95, 0.99)


@dataclass
class ModelStats:
    repo_pk: int
    model: str
    task: str
    requests: int = 0
    errors: int = 0
    rejected: int = 0
    latency_sum: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))  # count per upper bound
    generated_tokens: int = 0
    decode_seconds: float = 0.0
    recent_latency: deque = field(default_factory=lambda: deque(maxlen=WINDOW))
    recent_rate: deque = field(default_factory=lambda: deque(maxlen=WINDOW))  # decode tokens/s per request

    def percentiles(self) -> dict[str, float | None]:
        return _percentiles(self.recent_latency)

    def rate_percentiles(self) -> dict[str, float | None]:
        return _percentiles(self.recent_rate)

    def to_dict(self) -> dict:
        return {
            "model": self.model, "task": self.task, "requests": self.requests, "errors": self.errors,
            "rejected": self.rejected, "latency_seconds": self.percentiles(),
            "mean_latency_seconds": self.latency_sum / self.requests if self.requests else None,
            "generated_tokens": self.generated_tokens,
            "tokens_per_second": self.generated_tokens / self.decode_seconds if self.decode_seconds else None,
            "request_tokens_per_second": self.rate_percentiles(),
        }


def _percentiles(values) -> dict[str, float | None]:
    if not values:
        return {f"p{round(q * 100)}": None for q in QUANTILES}
    points = np.percentile(np.fromiter(values, float), [q * 100 for q in QUANTILES])
    return {f"p{round(q * 100)}": float(p) for q, p in zip(QUANTILES, points, strict=True)}


class InferenceStats:
    def __init__(self):
        self._lock = threading.Lock()
        self._models: dict[tuple[int, str], ModelStats] = {}

    def _entry(self, repo_pk: int, model: str, task: str) -> ModelStats:
        key = (repo_pk, task)
        entry = self._models.get(key)
        if entry is None:
            entry = self._models[key] = ModelStats(repo_pk, model, task)
        entry.model = model  # a renamed repo keeps its numbers
        return entry

    def record(self, repo_pk: int, model: str, task: str, seconds: float, *, ok: bool, tokens: int = 0,
               decode_seconds: float = 0.0) -> None:
        with self._lock:
            entry = self._entry(repo_pk, model, task)
            entry.requests += 1
            entry.errors += 0 if ok else 1
            entry.latency_sum += seconds
            index = bisect.bisect_left(LATENCY_BUCKETS, seconds)
            if index < len(LATENCY_BUCKETS):
                entry.buckets[index] += 1
            entry.recent_latency.append(seconds)
            if tokens:
                entry.generated_tokens += tokens
                entry.decode_seconds += decode_seconds
                if tokens > 1 and decode_seconds > 0:
                    entry.recent_rate.append((tokens - 1) / decode_seconds)

    def record_rejected(self, repo_pk: int, model: str, task: str) -> None:
        with self._lock:
            self._entry(repo_pk, model, task).rejected += 1

    def mean_latency(self) -> float:
        """Mean latency of recent requests of every model (1 s before any finished): for Retry-After."""
        with self._lock:
            values = [v for entry in self._models.values() for v in entry.recent_latency]
        return sum(values) / len(values) if values else 1.0

    def entries(self) -> list[ModelStats]:
        with self._lock:
            return [_copy(entry) for entry in sorted(self._models.values(), key=lambda e: (e.model, e.task))]


def _copy(entry: ModelStats) -> ModelStats:
    return ModelStats(entry.repo_pk, entry.model, entry.task, entry.requests, entry.errors, entry.rejected,
                      entry.latency_sum, list(entry.buckets), entry.generated_tokens, entry.decode_seconds,
                      deque(entry.recent_latency, maxlen=WINDOW), deque(entry.recent_rate, maxlen=WINDOW))
