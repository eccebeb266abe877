"""GET /api/models/{repo_id}/resources and `aicommons resources`."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from aicommons.cli.main import app
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import find_repo
from aicommons.repos.objects import Signature
from tests import tiny_models


@pytest.fixture
def models(hub, alice):
    tiny_models.publish(hub, alice, "alice/llama", tiny_models.model_dir("llama"))
    tiny_models.publish(hub, alice, "alice/secret", tiny_models.model_dir("gpt2"), private=True)


def test_resources_route_reports_counts_estimates_and_hardware(server, models):
    response = httpx.get(f"{server.url}/api/models/alice/llama/resources", params={"context": 100, "batch": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "alice/llama" and len(body["sha"]) == 40
    assert body["context"] == 100 and body["batch"] == 2
    assert body["parameters"]["total"] == body["parameter_total"] > 0
    shape = body["architecture"]
    assert (shape["num_heads"], shape["num_kv_heads"]) == (4, 2)
    kv = 2 * shape["num_layers"] * shape["num_kv_heads"] * shape["head_dim"] * 100 * 2
    assert body["inference"]["fp32"]["kv_cache"] == kv * 4 and body["inference"]["bf16"]["kv_cache"] == kv * 2
    assert [d["id"] for d in body["hardware"]] == ["laptop-8gb", "laptop-16gb", "gpu-24gb", "gpu-80gb", "server"]
    assert set(body["training"]) == {"full_fp32", "full_mixed_bf16", "lora_bf16", "qlora_int4"}


def test_resources_follow_the_revision(server, hub, alice, models):
    old = httpx.get(f"{server.url}/api/models/alice/llama/resources").json()
    bigger = tiny_models.tiny_llama(server.hub.settings.data_dir / "bigger", layers=3)
    commit(hub, find_repo(hub, "model", "alice/llama"),
           [AddFile(p.name, p.read_bytes()) for p in bigger.iterdir() if p.is_file()],
           author=Signature("alice", "alice@example.org"), message="three layers")
    new = httpx.get(f"{server.url}/api/models/alice/llama/resources").json()
    pinned = httpx.get(f"{server.url}/api/models/alice/llama/resources", params={"revision": old["sha"]}).json()
    assert new["architecture"]["num_layers"] == 3 and new["parameter_total"] > old["parameter_total"]
    assert pinned["parameter_total"] == old["parameter_total"]


@pytest.mark.parametrize("params,field", [({"context": 0}, "context"), ({"batch": 100_000}, "batch")])
def test_bad_context_or_batch_is_a_clear_400(server, models, params, field):
    response = httpx.get(f"{server.url}/api/models/alice/llama/resources", params=params)
    assert response.status_code == 400
    assert field in response.json()["error"]


def test_private_model_resources_are_invisible_to_outsiders(server, models, alice, bob):
    url = f"{server.url}/api/models/alice/secret/resources"
    assert httpx.get(url).status_code == 404
    assert httpx.get(url, headers={"Authorization": f"Bearer {bob.token}"}).status_code == 404
    assert httpx.get(url, headers={"Authorization": f"Bearer {alice.read_token}"}).status_code == 200


def test_cli_reads_a_local_folder():
    result = CliRunner().invoke(app, ["resources", str(tiny_models.model_dir("llama")), "--context", "64"],
                                env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Parameters: " in result.output and "Memory to run" in result.output and "QLoRA" in result.output


def test_cli_asks_a_hub_with_a_token(server, models, alice):
    base = ["resources", "alice/secret", "--endpoint", server.url, "--json", "--batch", "4"]
    denied = CliRunner().invoke(app, base)
    assert denied.exit_code == 1 and "404" in denied.output
    result = CliRunner().invoke(app, [*base, "--token", alice.token])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["id"] == "alice/secret" and report["batch"] == 4 and report["parameters"]["total"] > 0


def test_model_info_carries_safetensors_parameters_as_the_hub_does(server, models):
    from huggingface_hub import HfApi

    info = HfApi(endpoint=server.url).model_info("alice/llama")
    report = httpx.get(f"{server.url}/api/models/alice/llama/resources").json()
    assert info.safetensors.total == report["parameters"]["total"]
    assert info.safetensors.parameters == {"F32": report["parameters"]["total"]}
