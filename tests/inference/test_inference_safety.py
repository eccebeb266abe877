"""Nothing loads unless the scanner marked it safe, and only safetensors and skops weights load at all."""

from __future__ import annotations

import json
import shutil

import httpx
import numpy as np
import openai
import pytest
import skops.io as sio
import torch
from safetensors.torch import load_file
from sklearn.ensemble import RandomForestRegressor

from aicommons.repos.manage import find_repo
from aicommons.repos.reading import snapshot
from tests import tiny_models


def post(server, repo: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}/api/models/{repo}/infer", json=body, timeout=60)


def blob_of(hub, repo_id: str, path: str) -> str:
    return snapshot(hub, find_repo(hub, "model", repo_id), None).files[path].sha256


def test_unscanned_files_are_refused(server, publish, verdicts):
    repo = publish("gpt2")
    verdicts.default = None
    response = post(server, repo, {"inputs": "the"})
    assert response.status_code == 409
    message = response.json()["error"]
    assert "model.safetensors (not scanned yet)" in message and "config.json (not scanned yet)" in message


@pytest.mark.parametrize("verdict", ["dangerous", "suspicious", "invalid"])
def test_a_file_not_marked_safe_is_refused_by_every_route(server, hub, alice, publish, verdicts, verdict):
    repo = publish("gpt2")
    verdicts.by_sha256[blob_of(hub, repo, "model.safetensors")] = verdict
    response = post(server, repo, {"inputs": "the"})
    assert response.status_code == 409
    assert f"model.safetensors ({verdict})" in response.json()["error"]
    assert "config.json" not in response.json()["error"]
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=alice.token)
    with pytest.raises(openai.ConflictError, match="model.safetensors"):
        client.completions.create(model=repo, prompt="the", max_tokens=2)


def refuse_unpickling(monkeypatch) -> None:
    def no_unpickling(*args, **kwargs):
        raise AssertionError("torch.load must never run")

    monkeypatch.setattr(torch, "load", no_unpickling)


def test_pickled_weights_are_never_loaded(server, hub, alice, tmp_path, verdicts, monkeypatch):
    """A repo with only pytorch_model.bin is refused even when the scanner calls the pickle safe."""
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    tiny_models.publish(hub, alice, "alice/pickled", folder)
    refuse_unpickling(monkeypatch)
    response = post(server, "alice/pickled", {"inputs": "the"})
    assert response.status_code == 409 and "safetensors" in response.json()["error"]


def test_a_dangerous_pickle_beside_safetensors_is_not_read(server, hub, alice, tmp_path, verdicts, monkeypatch):
    folder = tmp_path / "both"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04cos\nsystem\n.")
    tiny_models.publish(hub, alice, "alice/both", folder)
    verdicts.by_sha256[blob_of(hub, "alice/both", "pytorch_model.bin")] = "dangerous"
    refuse_unpickling(monkeypatch)
    assert post(server, "alice/both", {"inputs": "the", "parameters": {"max_new_tokens": 2}}).status_code == 200


def test_sentence_transformers_modules_outside_the_library_are_refused(server, hub, alice, tmp_path, verdicts):
    folder = tmp_path / "modules"
    shutil.copytree(tiny_models.model_dir("minilm"), folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules[1]["type"] = "os.system"
    (folder / "modules.json").write_text(json.dumps(modules))
    tiny_models.publish(hub, alice, "alice/modules", folder)
    response = post(server, "alice/modules", {"inputs": "hello", "task": "feature-extraction"})
    assert response.status_code == 409 and "os.system" in response.json()["error"]


def test_skops_types_outside_the_trusted_set_are_refused(server, hub, alice, tmp_path, verdicts):
    folder = tmp_path / "forest"
    folder.mkdir()
    X = np.random.default_rng(0).normal(size=(30, 3))
    sio.dump(RandomForestRegressor(n_estimators=2, random_state=0).fit(X, X[:, 0]), folder / "model.skops")
    (folder / "config.json").write_text(json.dumps({"sklearn": {"model": {"file": "model.skops"},
                                                                "task": "tabular-regression"}}))
    tiny_models.publish(hub, alice, "alice/forest", folder)
    response = post(server, "alice/forest", {"inputs": {"data": {"x0": [1.0], "x1": [2.0], "x2": [3.0]}}})
    assert response.status_code == 409
    assert "sklearn.tree._tree.Tree" in response.json()["error"]
