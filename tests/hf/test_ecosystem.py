"""transformers and datasets, unmodified, against the hub (case 30 and the issue's end-to-end checks).

Each runs in a subprocess whose environment points at the test server, because huggingface_hub reads
HF_ENDPOINT and friends once, at import.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLIENTS = Path(__file__).with_name("clients")
pytestmark = pytest.mark.slow


def run_client(script: str, hf, tmp_path: Path, *args: str) -> dict:
    env = {**os.environ, "HF_ENDPOINT": hf.endpoint, "HF_TOKEN": hf.token, "HF_HOME": str(tmp_path / "hf-home"),
           "HF_HUB_CACHE": str(tmp_path / "hf-home" / "hub"), "HF_HUB_DISABLE_XET": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TOKENIZERS_PARALLELISM": "false",
           "DISABLE_SAFETENSORS_CONVERSION": "1"}
    done = subprocess.run([sys.executable, str(CLIENTS / script), *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_transformers_push_and_load_a_tiny_gpt2(hf, tmp_path):
    result = run_client("transformers_roundtrip.py", hf, tmp_path, "alice/tiny-gpt2")
    assert result["model_type"] == "gpt2" and result["same_ids"] and result["same_logits"]
    assert result["generated"].startswith("the tiny model runs on every laptop")
    files = set(hf.api.list_repo_files("alice/tiny-gpt2"))
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= files
    model = hf.api.model_info("alice/tiny-gpt2", files_metadata=True)
    weights = next(s for s in model.siblings if s.rfilename == "model.safetensors")
    assert weights.lfs is not None  # pushed through the LFS batch API with HF_HUB_DISABLE_XET=1
    assert [c.title for c in hf.api.list_repo_commits("alice/tiny-gpt2")][:2] == ["Add its tokenizer",
                                                                                 "Add a tiny GPT-2"]


def test_datasets_load_csv_and_parquet_and_push(hf, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    hf.upload("alice/flowers-csv", {"data/train.csv": b"petal,kind\n1.4,setosa\n4.7,versicolor\n"},
              repo_type="dataset")
    table = io.BytesIO()
    pq.write_table(pa.table({"petal": [1.4, 4.7], "kind": ["setosa", "versicolor"]}), table)
    hf.upload("alice/flowers-parquet", {"data/train-00000-of-00001.parquet": table.getvalue()}, repo_type="dataset")
    rows = run_client("datasets_roundtrip.py", hf, tmp_path, "alice/flowers-csv", "alice/flowers-parquet",
                      "alice/pushed")
    expected = [{"petal": 1.4, "kind": "setosa"}, {"petal": 4.7, "kind": "versicolor"}]
    assert rows["csv"] == expected and rows["parquet"] == expected
    assert rows["pushed"] == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}, {"x": 3, "y": "c"}]
    assert any(f.endswith(".parquet") for f in hf.api.list_repo_files("alice/pushed", repo_type="dataset"))
