"""Parameter counts from safetensors headers: per dtype, header bytes only, buffers and tied copies left out,
cached per blob at commit time."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.numpy import save, save_file
from safetensors.torch import load_file
from safetensors.torch import save_file as save_torch

from aicommons.repos.manage import find_repo
from aicommons.repos.reading import snapshot
from aicommons.resources import store
from aicommons.resources.headers import HeaderError, read_safetensors_header
from aicommons.resources.parameters import count_parameters, safetensors_files
from aicommons.resources.report import CommitFiles, FolderFiles, parameter_count, safetensors_info
from aicommons.resources.tables import WeightHeaderRow
from tests import tiny_models


def reader_of(data: bytes, log: list | None = None):
    def read(start: int, length: int) -> bytes:
        if log is not None:
            log.append((start, length))
        return data[start:start + length]

    return read


def test_dtype_counts_and_only_header_bytes_are_read():
    tensors = {"a.weight": np.zeros((300, 200), np.float32), "b.weight": np.zeros((10,), np.float16),
               "steps": np.zeros((), np.int64)}
    data = save(tensors)
    log: list = []
    header = read_safetensors_header(reader_of(data, log), len(data))
    count = count_parameters({"model.safetensors": header}, {})
    assert count.by_dtype == {"F16": 10, "F32": 60_000, "I64": 1}
    assert count.total == 60_011
    assert count.stored_bytes == 60_000 * 4 + 10 * 2 + 8
    header_length = int.from_bytes(data[:8], "little")
    assert sum(length for _, length in log) == 8 + header_length < len(data) / 100


def test_gpt2_causal_mask_buffers_are_not_parameters(tmp_path):
    """Old GPT-2 checkpoints (like the Hub's gpt2) store each layer's attn.bias mask; the count leaves them out."""
    folder = tmp_path / "gpt2"
    shutil.copytree(tiny_models.model_dir("gpt2"), folder)
    config = json.loads((folder / "config.json").read_text())
    state = load_file(folder / "model.safetensors")
    real = sum(t.numel() for t in state.values())
    n = config["n_positions"]
    for layer in range(config["n_layer"]):
        state[f"h.{layer}.attn.bias"] = torch.tril(torch.ones(1, 1, n, n))
        state[f"h.{layer}.attn.masked_bias"] = torch.tensor(-1e4)
    save_torch(state, folder / "model.safetensors")

    count = parameter_count(FolderFiles(folder))
    assert count.total == real
    assert count.excluded == {**{f"h.{i}.attn.bias": n * n for i in range(config["n_layer"])},
                              **{f"h.{i}.attn.masked_bias": 1 for i in range(config["n_layer"])}}
    # the same tensors in a model whose architecture registers no such buffer are parameters
    assert count_parameters({"m": read_safetensors_header(reader_of((folder / "model.safetensors").read_bytes()),
                                                          (folder / "model.safetensors").stat().st_size)},
                            {"model_type": "llama"}).total == real + config["n_layer"] * (n * n + 1)


def test_bert_position_ids_rotary_tables_and_tied_heads(tmp_path):
    embed = np.zeros((50, 8), np.float32)
    tensors = {"embeddings.position_ids": np.arange(16, dtype=np.int64)[None],
               "model.embed_tokens.weight": embed, "lm_head.weight": embed.copy(),
               "model.layers.0.self_attn.rotary_emb.inv_freq": np.zeros(4, np.float32)}
    save_file(tensors, tmp_path / "model.safetensors")
    header = read_safetensors_header(reader_of((tmp_path / "model.safetensors").read_bytes()),
                                     (tmp_path / "model.safetensors").stat().st_size)
    bert = count_parameters({"m": header}, {"model_type": "bert"})
    assert "embeddings.position_ids" in bert.excluded and "I64" not in bert.by_dtype
    tied = count_parameters({"m": header}, {"model_type": "llama", "tie_word_embeddings": True})
    assert set(tied.excluded) == {"lm_head.weight", "model.layers.0.self_attn.rotary_emb.inv_freq"}
    untied = count_parameters({"m": header}, {"model_type": "llama", "tie_word_embeddings": False})
    assert "lm_head.weight" not in untied.excluded
    assert untied.total == tied.total + 400


def test_malformed_headers_name_the_problem():
    with pytest.raises(HeaderError, match="too short"):
        read_safetensors_header(reader_of(b"\x01\x00"), 2)
    with pytest.raises(HeaderError, match="does not fit"):
        read_safetensors_header(reader_of((10**9).to_bytes(8, "little") + b"{}"), 10)
    bad_json = (5).to_bytes(8, "little") + b"{nope"
    with pytest.raises(HeaderError, match="not JSON"):
        read_safetensors_header(reader_of(bad_json), len(bad_json))
    shape = json.dumps({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}).encode()
    data = len(shape).to_bytes(8, "little") + shape + b"\0" * 4
    with pytest.raises(HeaderError, match="non-negative"):
        read_safetensors_header(reader_of(data), len(data))


def test_shard_index_decides_which_files_count():
    paths = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "consolidated.safetensors",
             "model.safetensors.index.json"]
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    assert safetensors_files(paths, index) == paths[:2]
    assert safetensors_files(["model.safetensors", "consolidated.safetensors"], None) == ["model.safetensors"]
    assert safetensors_files(["unet/a.safetensors", "vae/b.safetensors"], None) == ["unet/a.safetensors",
                                                                                      "vae/b.safetensors"]


def test_headers_are_read_at_commit_time_and_cached_per_blob(hub, alice, monkeypatch):
    tiny_models.publish(hub, alice, "alice/gpt2", tiny_models.model_dir("gpt2"))
    repo = find_repo(hub, "model", "alice/gpt2")
    snap = snapshot(hub, repo, None)
    entry = snap.files["model.safetensors"]
    with hub.db.read() as session:
        row = session.get(WeightHeaderRow, entry.sha256)
    assert row is not None and row.error is None

    def no_reads(*args):
        raise AssertionError("the header should come from the cache")

    monkeypatch.setattr(store, "blob_reader", no_reads)
    info = safetensors_info(hub, snap)
    assert info == {"parameters": {"F32": info["total"]}, "total": parameter_count(
        FolderFiles(tiny_models.model_dir("gpt2"))).total}


def test_unreadable_weights_are_noted_not_fatal(hub, alice, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_models.model_dir("gpt2"), broken)
    (broken / "model.safetensors").write_bytes(b"\xff" * 64)
    tiny_models.publish(hub, alice, "alice/broken", broken)
    snap = snapshot(hub, find_repo(hub, "model", "alice/broken"), None)
    count = parameter_count(CommitFiles(hub, snap))
    assert count.total == 0 and "does not fit" in count.notes[0]
    assert safetensors_info(hub, snap) is None
