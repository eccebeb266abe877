"""A private model is invisible (404, never listed, never in metrics) to outsiders on every inference route."""

from __future__ import annotations

import httpx
import pytest

from tests import tiny_models
from tests.conftest import make_org, make_user


@pytest.fixture
def secret(server, alice, publish):
    repo = publish("gpt2", "secret", private=True)
    headers = {"Authorization": f"Bearer {alice.token}"}
    used = httpx.post(f"{server.url}/api/models/{repo}/infer", headers=headers, timeout=60,
                      json={"inputs": "the", "parameters": {"max_new_tokens": 2}})
    assert used.status_code == 200  # the owner can run it, so it has statistics to hide
    return repo


def routes(repo: str):
    generate = {"inputs": "the", "parameters": {"max_new_tokens": 2}}
    return [
        ("POST", f"/api/models/{repo}/infer", generate),
        ("POST", f"/api/models/{repo}/infer", {**generate, "stream": True}),
        ("GET", f"/api/models/{repo}/resources", None),
        ("GET", f"/v1/models/{repo}", None),
        ("POST", "/v1/completions", {"model": repo, "prompt": "the", "max_tokens": 2}),
        ("POST", "/v1/completions", {"model": f"{repo}@main", "prompt": "the", "max_tokens": 2, "stream": True}),
        ("POST", "/v1/chat/completions", {"model": repo, "messages": [{"role": "user", "content": "hi"}]}),
    ]


def call(server, method: str, path: str, body, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, server.url + path, json=body, headers=headers, timeout=60)


def visible_names(server, token: str | None) -> tuple[set, str, set]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    listed = {m["id"] for m in httpx.get(f"{server.url}/v1/models", headers=headers).json()["data"]}
    metrics = httpx.get(f"{server.url}/metrics", headers=headers).text
    stats = {m["model"] for m in httpx.get(f"{server.url}/api/inference/stats", headers=headers).json()["models"]}
    return listed, metrics, stats


@pytest.mark.parametrize("who", ["anonymous", "bob"])
def test_outsiders_get_404_everywhere_and_see_it_nowhere(server, secret, bob, who):
    token = bob.token if who == "bob" else None
    for method, path, body in routes(secret):
        response = call(server, method, path, body, token)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "secret" in response.text  # the message names what was asked for, nothing more
    listed, metrics, stats = visible_names(server, token)
    assert secret not in listed and secret not in metrics and secret not in stats


def test_owner_and_org_members_reach_it(server, hub, alice):
    carol = make_user(hub, "carol")
    make_org(hub, "lab", "alice", {"carol": "read"})
    tiny_models.publish(hub, alice, "lab/secret", tiny_models.model_dir("gpt2"), private=True)
    for token in (alice.token, carol.read_token):
        for method, path, body in routes("lab/secret"):
            response = call(server, method, path, body, token)
            assert response.status_code == 200, (method, path, response.text)
        listed, metrics, stats = visible_names(server, token)
        assert "lab/secret" in listed and 'model="lab/secret"' in metrics and "lab/secret" in stats
