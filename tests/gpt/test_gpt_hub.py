"""Publishing to the hub, and training from / fine-tuning from the hub, against the real AI Commons
server on loopback with the real huggingface_hub client.

Skipped only while this checkout lacks the hub's HF-protocol server (`aicommons.api.hf`).
"""

from __future__ import annotations

import importlib.util
import json

import pytest
import typer
import yaml
from huggingface_hub import HfApi
from typer.testing import CliRunner

from aicommons.cli.gpt import generate
from aicommons.gpt.hub import locate_model, publish
from aicommons.gpt.pipeline import RunRequest, run
from aicommons.gpt.provenance import sha256_file
from aicommons.gpt.sources import resolve_source

from .gpt_corpus import make_corpus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("aicommons.api.hf") is None,
        reason="the hub's HF-protocol server (aicommons.api.hf) is not in this checkout yet",
    ),
]


def toy_run(tmp_path, **kwargs):
    defaults = dict(max_steps=3, show_progress=False, seed=3, cache_dir=str(tmp_path / "cache"))
    if not kwargs.get("init_from"):
        defaults["depth"] = 1  # a fine-tune keeps its base model's shape
    return run(RunRequest(**{**defaults, **kwargs}))


def test_publish_fine_tune_and_generate_from_the_hub(server, alice, tmp_path, corpus_dir, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    first = toy_run(tmp_path, data=[str(corpus_dir)], out=str(tmp_path / "base"))
    # No HF_HUB_DISABLE_XET needed: publish sends weights over Git LFS to a self-hosted hub.
    commit = publish(first.export_dir, "alice/toy-gpt", endpoint=server.url, token=alice.token, license="mit")

    api = HfApi(endpoint=server.url, token=alice.token)
    info = api.model_info("alice/toy-gpt")
    assert info.sha == commit
    files = set(api.list_repo_files("alice/toy-gpt"))
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md", "training_provenance.json"} <= files

    fetched = locate_model("alice/toy-gpt", endpoint=server.url, token=alice.token)
    assert fetched.revision == commit
    assert sha256_file(fetched.path / "model.safetensors") == sha256_file(first.export_dir / "model.safetensors")
    assert yaml.safe_load((fetched.path / "README.md").read_text().split("---\n")[1])["license"] == "mit"

    app = typer.Typer()
    app.command("generate")(generate)
    args = [
        "alice/toy-gpt",
        "--prompt",
        "def",
        "--max-new-tokens",
        "5",
        "--endpoint",
        server.url,
        "--token",
        alice.token,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.stdout.startswith("def"), result.output  # progress bars go to stderr

    # Fine-tune from the hub repo id, and push the result: the card names its base.
    tuned = toy_run(
        tmp_path,
        data=[str(corpus_dir)],
        init_from="alice/toy-gpt",
        out=str(tmp_path / "tuned"),
        push="alice/toy-gpt-tuned",
        endpoint=server.url,
        token=alice.token,
    )
    record = json.loads((tuned.export_dir / "training_provenance.json").read_text())
    assert record["base_model"]["repo_id"] == "alice/toy-gpt" and record["base_model"]["revision"] == commit
    card = yaml.safe_load((tuned.export_dir / "README.md").read_text().split("---\n")[1])
    assert card["base_model"] == "alice/toy-gpt" and card["base_model_relation"] == "finetune"
    assert api.model_info("alice/toy-gpt-tuned").sha == tuned.commit


def test_training_data_from_a_hub_dataset_repo(server, alice, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    api = HfApi(endpoint=server.url, token=alice.token)
    api.create_repo("alice/toy-corpus", repo_type="dataset")
    folder = make_corpus(tmp_path / "upload", files=10)
    commit = api.upload_folder(repo_id="alice/toy-corpus", repo_type="dataset", folder_path=folder).oid

    source = resolve_source("alice/toy-corpus", endpoint=server.url, token=alice.token)
    assert source.kind == "hub" and source.revision == commit
    assert sorted(d.name for d in source.documents()) == sorted(p.name for p in folder.iterdir())
    pinned = resolve_source(f"alice/toy-corpus@{commit}", endpoint=server.url, token=alice.token)
    assert pinned.sha256 == source.sha256

    result = toy_run(
        tmp_path, data=["alice/toy-corpus"], out=str(tmp_path / "run"), endpoint=server.url, token=alice.token
    )
    card = yaml.safe_load((result.export_dir / "README.md").read_text().split("---\n")[1])
    assert card["datasets"] == ["alice/toy-corpus"]
    dataset = card["model-index"][0]["results"][0]["dataset"]
    assert dataset["type"] == "alice/toy-corpus" and dataset["revision"] == commit
