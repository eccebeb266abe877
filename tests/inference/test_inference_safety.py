"""Nothing loads unless the security scanner marked it safe, and only safetensors and skops weights load at all.
The real scanner judges the files here, except where ``verdicts`` stands in for a verdict real content would
not get (never scanned, suspicious)."""

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

from aicommons.inference import safety
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
    assert "model.safetensors (not scanned)" in message and "config.json (not scanned)" in message


def test_a_file_not_marked_safe_is_refused_by_every_route(server, hub, alice, publish, verdicts):
    repo = publish("gpt2")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=alice.token, max_retries=0)
    for verdict in ("dangerous", "suspicious", "invalid"):
        verdicts.by_sha256[blob_of(hub, repo, "model.safetensors")] = verdict
        response = post(server, repo, {"inputs": "the"})
        assert response.status_code == 409
        assert f"model.safetensors ({verdict})" in response.json()["error"]
        assert "config.json" not in response.json()["error"]
        with pytest.raises(openai.ConflictError, match="model.safetensors"):
            client.completions.create(model=repo, prompt="the", max_tokens=2)


def refuse_unpickling(monkeypatch) -> None:
    def no_unpickling(*args, **kwargs):
        raise AssertionError("torch.load must never run")

    monkeypatch.setattr(torch, "load", no_unpickling)


def test_pickled_weights_are_never_loaded(server, hub, alice, tmp_path, monkeypatch):
    """A repo with only pytorch_model.bin is refused even when the scanner calls the pickle safe."""
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    tiny_models.publish(hub, alice, "alice/pickled", folder)
    refuse_unpickling(monkeypatch)
    response = post(server, "alice/pickled", {"inputs": "the"})
    assert response.status_code == 409 and "safetensors" in response.json()["error"]


def test_a_dangerous_pickle_beside_safetensors_is_not_read(server, hub, alice, tmp_path, monkeypatch):
    folder = tmp_path / "both"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04cos\nsystem\n(S'echo pwned'\ntR.")
    tiny_models.publish(hub, alice, "alice/both", folder)
    assert safety.scan_verdict(hub, blob_of(hub, "alice/both", "pytorch_model.bin")) == "dangerous"
    refuse_unpickling(monkeypatch)
    assert post(server, "alice/both", {"inputs": "the", "parameters": {"max_new_tokens": 2}}).status_code == 200


def test_sentence_transformers_modules_outside_the_library_are_refused(server, hub, alice, tmp_path):
    folder = tmp_path / "modules"
    shutil.copytree(tiny_models.model_dir("minilm"), folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules[1]["type"] = "os.system"
    (folder / "modules.json").write_text(json.dumps(modules))
    tiny_models.publish(hub, alice, "alice/modules", folder)
    response = post(server, "alice/modules", {"inputs": "hello", "task": "feature-extraction"})
    assert response.status_code == 409 and "os.system" in response.json()["error"]


def test_skops_types_outside_the_trusted_set_are_refused(server, hub, alice, tmp_path):
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


def test_the_real_scanner_refuses_a_chat_template_that_reaches_python(server, hub, alice, tmp_path):
    folder = tmp_path / "template"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = "{{ messages.__class__.__mro__[1].__subclasses__() }}"
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    tiny_models.publish(hub, alice, "alice/template", folder)
    response = post(server, "alice/template", {"inputs": "the"})
    assert response.status_code == 409
    assert "tokenizer_config.json (dangerous)" in response.json()["error"]


def test_the_real_scanner_refuses_malformed_safetensors(server, hub, alice, tmp_path):
    folder = tmp_path / "malformed"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    data = (folder / "model.safetensors").read_bytes()
    header_end = 8 + int.from_bytes(data[:8], "little")
    (folder / "model.safetensors").write_bytes(data[:header_end + 100])  # tensors run past the end
    tiny_models.publish(hub, alice, "alice/malformed", folder)
    response = post(server, "alice/malformed", {"inputs": "the"})
    assert response.status_code == 409
    assert "model.safetensors (invalid)" in response.json()["error"]


def test_weights_a_library_cannot_read_are_a_409_not_a_crash(server, hub, alice, tmp_path):
    """A header that is JSON but not an object: whatever the scanner says, loading fails cleanly."""
    folder = tmp_path / "unreadable"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[:8] + b"[" + data[9:])
    tiny_models.publish(hub, alice, "alice/unreadable", folder)
    response = post(server, "alice/unreadable", {"inputs": "the"})
    assert response.status_code == 409
