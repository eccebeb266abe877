"""The inference statistics as Prometheus metrics, for one viewer: a model appears only if they may read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from aicommons.monitoring.stats import LATENCY_BUCKETS, ModelStats

PREFIX = "aicommons_inference"


class InferenceCollector:
    def __init__(self, service, entries: list[ModelStats]):
        self.service = service
        self.entries = entries

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(f"{PREFIX}_requests", "Inference requests by outcome (ok, error, rejected "
                                       "with 429)", labels=["model", "task", "outcome"])
        latency = HistogramMetricFamily(f"{PREFIX}_latency_seconds", "Time from admission to the end of the "
                                        "response", labels=["model", "task"])
        recent = GaugeMetricFamily(f"{PREFIX}_recent_latency_seconds", "Latency percentiles of the last requests",
                                   labels=["model", "task", "quantile"])
        tokens = CounterMetricFamily(f"{PREFIX}_generated_tokens", "Tokens generated", labels=["model", "task"])
        rate = GaugeMetricFamily(f"{PREFIX}_decode_tokens_per_second", "Generated tokens per second of decoding",
                                 labels=["model", "task"])
        for entry in self.entries:
            labels = [entry.model, entry.task]
            requests.add_metric([*labels, "ok"], entry.requests - entry.errors)
            requests.add_metric([*labels, "error"], entry.errors)
            requests.add_metric([*labels, "rejected"], entry.rejected)
            cumulative, buckets = 0, []
            for bound, count in zip(LATENCY_BUCKETS, entry.buckets, strict=True):
                cumulative += count
                buckets.append((repr(float(bound)), cumulative))
            buckets.append(("+Inf", entry.requests))
            latency.add_metric(labels, buckets, entry.latency_sum)
            for name, value in entry.percentiles().items():
                if value is not None:
                    recent.add_metric([*labels, f"0.{name[1:]}"], value)
            if entry.generated_tokens:
                tokens.add_metric(labels, entry.generated_tokens)
                rate.add_metric(labels, entry.generated_tokens / entry.decode_seconds if entry.decode_seconds else 0)
        yield from (requests, latency, recent, tokens, rate)
        service = self.service
        yield GaugeMetricFamily(f"{PREFIX}_in_flight", "Requests running or queued", value=service.in_flight)
        yield GaugeMetricFamily(f"{PREFIX}_capacity", "Requests that may be in flight before 429",
                                value=service.capacity)
        yield GaugeMetricFamily(f"{PREFIX}_loaded_models", "Models in the cache", value=len(service.cache))
        yield GaugeMetricFamily(f"{PREFIX}_cache_bytes", "Memory the loaded models take",
                                value=service.cache.used_bytes())
        yield GaugeMetricFamily(f"{PREFIX}_cache_budget_bytes", "Memory the cache may use",
                                value=service.cache.budget_bytes)


def visible_entries(service, may_read: Callable[[int], bool]) -> list[ModelStats]:
    return [entry for entry in service.stats.entries() if may_read(entry.repo_pk)]


def exposition(service, entries: list[ModelStats]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(InferenceCollector(service, entries))
    return generate_latest(registry)
