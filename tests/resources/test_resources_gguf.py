"""GGUF files: parameters per quantization type from the header, and the memory to run each file."""

from __future__ import annotations

import httpx
from typer.testing import CliRunner

from aicommons.cli.main import app
from aicommons.repos.manage import find_repo
from aicommons.repos.reading import snapshot
from aicommons.resources.tables import WeightHeaderRow
from tests import tiny_models

TENSORS = {"token_embd.weight": ((64, 300), "Q4_K"), "blk.0.attn_q.weight": ((64, 64), "Q4_K"),
           "blk.0.ffn_down.weight": ((192, 64), "Q8_0"), "output_norm.weight": ((64,), "F32")}


def test_a_gguf_only_repo_is_counted_and_estimated(server, hub, alice, tmp_path):
    folder = tmp_path / "gguf"
    folder.mkdir()
    (folder / "model-Q4_K_M.gguf").write_bytes(tiny_models.gguf_file(TENSORS))
    (folder / "broken.gguf").write_bytes(b"GGUF" + b"\xff" * 40)
    tiny_models.publish(hub, alice, "alice/gguf", folder)
    entry = snapshot(hub, find_repo(hub, "model", "alice/gguf"), None).files["model-Q4_K_M.gguf"]
    with hub.db.read() as session:
        assert session.get(WeightHeaderRow, entry.sha256).header["format"] == "gguf"  # read at commit time

    report = httpx.get(f"{server.url}/api/models/alice/gguf/resources", params={"context": 256, "batch": 2}).json()
    [gguf] = report["gguf"]
    assert gguf["parameters"] == {"F32": 64, "Q4_K": 64 * 300 + 64 * 64, "Q8_0": 192 * 64}
    assert gguf["total"] == report["parameter_total"] == 64 + 64 * 300 + 64 * 64 + 192 * 64
    assert report["parameter_source"] == "GGUF header"
    assert (report["architecture"]["num_kv_heads"], report["architecture"]["head_dim"]) == (2, 16)
    assert gguf["inference"]["weights"] == entry.size
    assert gguf["inference"]["kv_cache"] == 2 * 2 * (2 * 16) * 256 * 2 * 2  # K+V · layers · kv width · f16
    assert any("broken.gguf" in note for note in report["notes"])


def test_cli_reads_gguf_in_a_folder(tmp_path):
    (tmp_path / "m.gguf").write_bytes(tiny_models.gguf_file(TENSORS))
    result = CliRunner().invoke(app, ["resources", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"Q8_0": 12288' in result.output
