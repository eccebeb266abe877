"""Per-model counts, errors, latency percentiles and tokens/s, as JSON and in Prometheus format."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_requests_errors_latency_and_tokens_are_counted(server, publish):
    gpt2, bert = publish("gpt2"), publish("bert-mlm")
    for _ in range(3):
        ok = httpx.post(f"{server.url}/api/models/{gpt2}/infer", timeout=60,
                        json={"inputs": "the", "parameters": {"max_new_tokens": 5, "temperature": 0}})
        assert ok.status_code == 200
    assert httpx.post(f"{server.url}/api/models/{bert}/infer", json={"inputs": "the [MASK]"}).status_code == 200
    # a request that fails inside the model (no mask token) counts as an error
    assert httpx.post(f"{server.url}/api/models/{bert}/infer", json={"inputs": "no mask"}).status_code == 400

    stats = {m["model"]: m for m in httpx.get(f"{server.url}/api/inference/stats").json()["models"]}
    generation = stats[gpt2]
    assert (generation["requests"], generation["errors"], generation["generated_tokens"]) == (3, 0, 15)
    assert 0 < generation["latency_seconds"]["p50"] <= generation["latency_seconds"]["p95"] \
        <= generation["latency_seconds"]["p99"]
    assert generation["tokens_per_second"] > 0 and generation["request_tokens_per_second"]["p50"] > 0
    assert (stats[bert]["requests"], stats[bert]["errors"]) == (2, 1)

    response = httpx.get(f"{server.url}/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    values = samples(response.text)
    labels = (("model", gpt2), ("task", "text-generation"))
    assert values[("aicommons_inference_requests_total", tuple(sorted((*labels, ("outcome", "ok")))))] == 3
    assert values[("aicommons_inference_requests_total",
                   tuple(sorted((("model", bert), ("task", "fill-mask"), ("outcome", "error")))))] == 1
    assert values[("aicommons_inference_latency_seconds_count", labels)] == 3
    assert values[("aicommons_inference_latency_seconds_bucket", tuple(sorted((*labels, ("le", "+Inf")))))] == 3
    assert values[("aicommons_inference_generated_tokens_total", labels)] == 15
    assert values[("aicommons_inference_recent_latency_seconds", tuple(sorted((*labels, ("quantile", "0.99")))))] > 0
    assert values[("aicommons_inference_loaded_models", ())] == 2
