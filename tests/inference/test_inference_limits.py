"""Per-request limits, the bounded queue (429 with Retry-After), a busy pool never stalling the event loop,
cancellation when a streaming client leaves, and the memory-bounded model cache."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from aicommons.api.native import inference as inference_routes
from aicommons.inference.service import InferenceService
from aicommons.inference.settings import InferenceSettings


def use_service(server, **settings) -> InferenceService:
    """Swap the live server's inference service for one with these settings."""
    server.app.state.inference.close()
    service = InferenceService(server.hub, InferenceSettings(**settings))
    server.app.state.inference = service
    return service


def post(server, repo: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}/api/models/{repo}/infer", json=body, timeout=60)


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


LIMIT_CASES = [
    ({"inputs": "x" * 101}, "inputs"),
    ({"inputs": "the", "parameters": {"max_new_tokens": 9}}, "max_new_tokens"),
    ({"inputs": "the", "parameters": {"temperature": -1}}, "temperature"),
    ({"inputs": "the", "parameters": {"top_p": 0}}, "top_p"),
    ({"inputs": "the", "parameters": {"stop": [""]}}, "stop"),
    ({"inputs": ["a list"]}, "inputs"),
]


def test_generation_limits_are_clear_400s(server, publish):
    repo = publish("gpt2")
    use_service(server, max_input_chars=100, max_new_tokens=8)
    for body, field in LIMIT_CASES:
        response = post(server, repo, body)
        assert response.status_code == 400, body
        assert field in response.json()["error"], body


def test_batch_and_table_limits(server, publish):
    classifier, table = publish("bert-classifier"), publish("sklearn-regression")
    use_service(server, max_items=2, max_rows=3)
    assert post(server, classifier, {"inputs": ["a", "b", "c"]}).status_code == 400
    assert post(server, classifier, {"inputs": ["a", "b"]}).status_code == 200
    rows = {"data": {"a": [1] * 4, "b": [1] * 4, "c": [1] * 4}}
    response = post(server, table, {"inputs": rows})
    assert response.status_code == 400 and "rows" in response.json()["error"]


def test_time_limit_stops_generation(server, publish):
    repo = publish("gpt2")
    use_service(server, max_seconds=0.0)
    [result] = post(server, repo, {"inputs": "the", "parameters": {"max_new_tokens": 200}}).json()
    assert result["details"]["finish_reason"] == "time"
    assert result["details"]["generated_tokens"] <= 1


@pytest.fixture
def gate(monkeypatch):
    """Generation waits until the gate opens, so tests can fill the pool and the queue deterministically."""
    opened = threading.Event()
    real = inference_routes.generate

    def gated(*args, **kwargs):
        assert opened.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(inference_routes, "generate", gated)
    yield opened
    opened.set()


def test_full_queue_answers_429_with_retry_after_and_the_server_stays_responsive(server, publish, gate):
    repo = publish("gpt2")
    service = use_service(server, workers=1, queue=1)
    body = {"inputs": "the", "parameters": {"max_new_tokens": 4}}
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(post(server, repo, body))) for _ in range(2)]
    for thread in threads:
        thread.start()
    wait_for(lambda: service.in_flight == 2)  # one computing (held at the gate), one queued

    rejected = post(server, repo, body)
    assert rejected.status_code == 429
    assert int(rejected.headers["Retry-After"]) >= 1
    started = time.monotonic()
    assert httpx.get(f"{server.url}/healthz").status_code == 200  # the event loop is free
    assert httpx.get(f"{server.url}/api/models/{repo}/resources").status_code == 200
    assert time.monotonic() - started < 5

    gate.set()
    for thread in threads:
        thread.join(60)
    assert [r.status_code for r in results] == [200, 200]
    assert service.in_flight == 0
    [stats] = httpx.get(f"{server.url}/api/inference/stats").json()["models"]
    assert (stats["requests"], stats["rejected"]) == (2, 1)


def test_a_client_leaving_a_stream_cancels_its_generation(server, publish, monkeypatch):
    repo = publish("gpt2")
    service = use_service(server, workers=1, queue=0)
    cancelled = threading.Event()

    def endless(model, prompt, params, *, deadline, cancel, on_text=None, **kwargs):
        while not cancel.wait(0.01):
            on_text("x")
        cancelled.set()
        raise RuntimeError("stopped")

    monkeypatch.setattr(inference_routes, "generate", endless)
    with httpx.stream("POST", f"{server.url}/api/models/{repo}/infer", timeout=30,
                      json={"inputs": "the", "stream": True}) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data:"):
                break  # the client reads one event and hangs up
    assert cancelled.wait(10)
    wait_for(lambda: service.in_flight == 0)


def test_the_cache_keeps_models_within_its_memory_budget(server, publish):
    small, other, big = publish("gpt2"), publish("llama"), publish("minilm")
    # each tiny decoder is about 0.55 MB in fp32: the budget holds one of them, and never MiniLM (91 MB)
    service = use_service(server, memory_mb=1)
    body = {"inputs": "the", "parameters": {"max_new_tokens": 2}}
    assert post(server, small, body).status_code == 200
    assert post(server, other, body).status_code == 200
    assert len(service.cache) == 1 and service.cache.used_bytes() <= service.cache.budget_bytes
    refused = post(server, big, {"inputs": "x", "task": "feature-extraction"})
    assert refused.status_code == 409 and "MiB" in refused.json()["error"]
