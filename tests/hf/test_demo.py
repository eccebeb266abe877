"""``aicommons demo``: real content, served to the real clients, and idempotent."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aicommons.cli.main import app
from aicommons.demo import DATASET_ID, MODEL_ID, install_demo
from tests.hf.test_ecosystem import run_client

pytestmark = pytest.mark.slow


def test_demo_content_is_real(server, tmp_path, hf):
    first = install_demo(server.hub)  # running it again is test_demo_command's part
    assert first.password and first.changed == [MODEL_ID, DATASET_ID]

    model = hf.api.model_info(MODEL_ID, files_metadata=True)
    assert model.library_name == "sentence-transformers" and model.pipeline_tag == "sentence-similarity"
    assert model.card_data.license == "apache-2.0" and model.card_data.base_model == "nreimers/MiniLM-L6-H384-uncased"
    weights = next(s for s in model.siblings if s.rfilename == "model.safetensors")
    assert weights.lfs is not None and weights.size > 80_000_000
    dataset = hf.api.dataset_info(DATASET_ID)
    assert {"format:csv", "format:parquet", "license:cc-by-4.0"} <= set(dataset.tags)

    result = run_client("demo_roundtrip.py", hf, tmp_path, MODEL_ID, DATASET_ID)
    assert result["shape"] == [2, 384] and 0.3 < result["similarity"] < 1.0
    assert result["rows"] == 150 and result["same"] and result["species"] == ["setosa", "versicolor", "virginica"]


def test_demo_command(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "demo-lab/iris: updated" in result.output
    again = CliRunner().invoke(app, ["demo", "--data-dir", str(tmp_path / "data")])
    assert again.exit_code == 0, again.output
    assert "demo-lab/iris: up to date" in again.output and "demo-lab/all-MiniLM-L6-v2: up to date" in again.output
    assert "password" not in again.output
