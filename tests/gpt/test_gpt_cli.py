"""`aicommons train` / `aicommons generate` end to end at toy scale, and what the export holds."""

from __future__ import annotations

import json

import pytest
import typer
import yaml
from typer.testing import CliRunner

from aicommons.cli.gpt import generate, train
from aicommons.gpt.provenance import SCHEMA, code_version, sha256_file

app = typer.Typer()
app.command("train")(train)
app.command("generate")(generate)
runner = CliRunner()

TOY = ["--depth", "1", "--max-steps", "3", "--no-progress", "--seed", "7"]


def front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, corpus_dir):
    out = tmp_path_factory.mktemp("run")
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AICOMMONS_CACHE", str(cache))
        result = runner.invoke(app, ["train", "--data", str(corpus_dir), "--out", str(out), "--license", "mit", *TOY])
    assert result.exit_code == 0, result.output
    return out, result.output, cache


def test_train_exports_a_complete_model_folder(trained):
    out, output, _ = trained
    export = out / "model"
    assert "bits per byte" in output and str(export) in output
    expected = {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
        "README.md",
        "training_provenance.json",
        "metrics.jsonl",
        "loss_curve.png",
    }
    assert expected <= {p.name for p in export.iterdir()}
    assert not (export / "checkpoint.pt").exists()  # checkpoints stay in the run folder
    assert (out / "checkpoint.pt").is_file()


def test_provenance_record_names_code_data_config_and_weights(trained, corpus_dir):
    export = trained[0] / "model"
    record = json.loads((export / "training_provenance.json").read_text())
    assert record["schema"] == SCHEMA
    assert record["code"]["source_sha256"] == code_version()["source_sha256"]
    assert record["weights"]["sha256"] == sha256_file(export / "model.safetensors")
    assert record["seed"] == 7 and record["train_config"]["max_steps"] == 3
    assert record["model_config"]["num_hidden_layers"] == 1
    [source] = record["data"]["sources"]
    assert source["kind"] == "folder" and len(source["sha256"]) == 64 and source["files"] == 40
    assert record["base_model"] is None
    assert record["result"]["steps"] == 3 and record["result"]["val_bpb"] > 0


def test_card_has_metadata_results_and_limitations(trained):
    card = (trained[0] / "model" / "README.md").read_text()
    meta = front_matter(card)
    assert meta["license"] == "mit" and meta["library_name"] == "transformers"
    assert "base_model" not in meta
    [result] = meta["model-index"][0]["results"]
    metrics = {m["type"]: m["value"] for m in result["metrics"]}
    record = json.loads((trained[0] / "model" / "training_provenance.json").read_text())
    assert metrics["bits_per_byte"] == pytest.approx(record["result"]["val_bpb"], abs=1e-4)
    for heading in ("## Training data", "## Training configuration", "## Hardware", "## Intended use and limitations"):
        assert heading in card
    assert "![Loss curve](loss_curve.png)" in card


def test_generate_streams_a_continuation(trained):
    result = runner.invoke(
        app, ["generate", str(trained[0] / "model"), "--prompt", "def total(", "--max-new-tokens", "12", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("def total(") and len(result.output) > len("def total(\n")


def test_fine_tune_from_a_local_export_records_its_base(trained, corpus_dir, tmp_path, monkeypatch):
    out, _, cache = trained
    monkeypatch.setenv("AICOMMONS_CACHE", str(cache))
    args = ["train", "--data", str(corpus_dir), "--init-from", str(out / "model"), "--out", str(tmp_path), *TOY[2:]]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "model" / "training_provenance.json").read_text())
    base = json.loads((out / "model" / "training_provenance.json").read_text())
    assert record["base_model"]["weights_sha256"] == base["weights"]["sha256"]
    assert record["tokenizer"]["sha256"] == base["tokenizer"]["sha256"] and record["tokenizer"]["from_base_model"]
    assert record["train_config"]["lr"] == pytest.approx(base["train_config"]["lr"] * 0.1)


def test_resume_continues_from_the_checkpoint(trained, corpus_dir, monkeypatch, tmp_path):
    out, _, cache = trained
    monkeypatch.setenv("AICOMMONS_CACHE", str(cache))
    args = ["train", "--data", str(corpus_dir), "--out", str(tmp_path), "--depth", "1", "--no-progress", "--seed", "7"]
    assert runner.invoke(app, [*args, "--max-steps", "2"]).exit_code == 0
    result = runner.invoke(app, [*args, "--max-steps", "4", "--resume"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 steps")


def test_bad_arguments_give_clear_errors(tmp_path):
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "nope.txt"), "--out", str(tmp_path), *TOY])
    assert result.exit_code != 0 and "neither an existing file" in result.output
    result = runner.invoke(app, ["train", "--preset", "huge", "--out", str(tmp_path), *TOY])
    assert result.exit_code != 0 and "unknown preset" in result.output
    result = runner.invoke(app, ["generate", str(tmp_path / "missing"), "--prompt", "x"])
    assert result.exit_code != 0 and "neither an export folder" in result.output


def test_card_of_a_fine_tune_from_hub_data_names_base_and_dataset_revisions(trained):
    from aicommons.gpt.card import render_card

    record = json.loads((trained[0] / "model" / "training_provenance.json").read_text())
    record["base_model"] = {"repo_id": "alice/base", "revision": "a" * 40, "weights_sha256": "0" * 64}
    record["data"]["sources"] = [
        {
            "spec": "alice/corpus",
            "kind": "hub",
            "repo_id": "alice/corpus",
            "revision": "b" * 40,
            "sha256": "1" * 64,
            "files": 3,
        }
    ]
    card = render_card(record, "apache-2.0", "tuned", "alice/tuned", None)
    meta = front_matter(card)
    assert meta["base_model"] == "alice/base" and meta["base_model_relation"] == "finetune"
    assert meta["datasets"] == ["alice/corpus"]
    assert meta["model-index"][0]["results"][0]["dataset"]["revision"] == "b" * 40
    assert "fine-tuned from `alice/base` at commit `" + "a" * 40 in card
    assert 'AutoModelForCausalLM.from_pretrained("alice/tuned")' in card and "Loss curve" not in card
