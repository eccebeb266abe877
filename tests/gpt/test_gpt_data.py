"""Data sources, the train/validation split, the shard cache and the batch order."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aicommons.gpt.data import EpochSampler, prepare_data, split_documents
from aicommons.gpt.sources import BUILTIN, Document, resolve_source, stdlib_source

from .gpt_corpus import make_corpus


def test_folder_source_reads_text_and_skips_binary_and_hidden(tmp_path):
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("second")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01binary")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main")
    source = resolve_source(str(tmp_path))
    assert [(d.name, d.text) for d in source.documents()] == [("a.txt", "first"), ("sub/b.md", "second")]
    assert sorted(p.rsplit("/", 1)[-1] for p in source.skipped) == ["blob.bin", "latin1.txt"]


def test_glob_and_file_sources(tmp_path):
    for name in ("x.py", "y.py", "z.txt"):
        (tmp_path / name).write_text(name)
    assert [d.name for d in resolve_source(str(tmp_path / "*.py")).documents()] == ["x.py", "y.py"]
    assert [d.text for d in resolve_source(str(tmp_path / "z.txt")).documents()] == ["z.txt"]


def test_jsonl_and_parquet_read_the_text_field(tmp_path):
    (tmp_path / "rows.jsonl").write_text(json.dumps({"text": "one"}) + "\n\n" + json.dumps({"text": "two"}) + "\n")
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    pq.write_table(pa.table({"text": ["three", "four"], "id": [1, 2]}), tmp_path / "rows.parquet")
    texts = [d.text for d in resolve_source(str(tmp_path)).documents()]
    assert texts == ["one", "two", "three", "four"]
    (tmp_path / "bad.jsonl").write_text(json.dumps({"body": "no text"}) + "\n")
    with pytest.raises(ValueError, match="'text' field"):
        list(resolve_source(str(tmp_path / "bad.jsonl")).documents())


def test_bad_data_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="neither an existing file"):
        resolve_source(str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="no UTF-8 text files"):
        resolve_source(str(tmp_path / "*.nothing"))
    (tmp_path / "bin").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match="not UTF-8 text"):
        resolve_source(str(tmp_path / "bin"))


def test_builtin_corpus_is_the_standard_library():
    source = stdlib_source()
    names = {d.name for d in source.documents()}
    assert {"os.py", "json/__init__.py", "collections/__init__.py"} <= names
    assert not any("site-packages" in n for n in names)
    assert source.spec == BUILTIN and source.revision.startswith("CPython ")


def test_split_is_by_document_and_stable():
    docs = [Document(f"doc{i}.txt", f"text {i}") for i in range(200)]
    train, val = split_documents(docs, 0.1)
    assert 5 < len(val) < 40 and len(train) + len(val) == 200
    # Adding documents never moves existing ones between splits.
    _, val_more = split_documents(docs + [Document(f"new{i}.txt", "x") for i in range(50)], 0.1)
    assert {d.name for d in val} <= {d.name for d in val_more}


def test_a_single_document_is_cut_at_a_line_start():
    text = "".join(f"line {i}\n" for i in range(100))
    train, val = split_documents([Document("only.txt", text)], 0.1)
    assert train[0].text + val[0].text == text
    assert val[0].text.startswith("line ") and 0.05 < len(val[0].text) / len(text) < 0.15


def test_shards_hold_every_document_and_are_cached(tmp_path):
    corpus_dir = make_corpus(tmp_path / "corpus", files=12)
    source = resolve_source(str(corpus_dir))
    data = prepare_data([source], vocab_size=384, val_fraction=0.1, cache_dir=tmp_path)
    train, val = (data.split(n) for n in ("train", "val"))
    tokens = np.concatenate([np.asarray(s) for split in (train, val) for s in split.shards])
    eot = data.tokenizer.eot_id
    assert tokens.dtype == np.uint16 and (tokens == eot).sum() == len(source.files)
    starts = np.flatnonzero(tokens == eot)
    stored = [data.tokenizer.decode(tokens[a + 1 : b].tolist()) for a, b in zip(starts, [*starts[1:], len(tokens)])]
    assert sorted(stored) == sorted(d.text for d in source.documents())
    assert data.meta["splits"]["val"]["documents"] > 0
    assert data.meta["splits"]["train"]["bytes"] + data.meta["splits"]["val"]["bytes"] == sum(
        len(d.text.encode()) for d in source.documents()
    )

    stamp = (data.directory / "meta.json").stat().st_mtime_ns
    again = prepare_data([resolve_source(str(corpus_dir))], vocab_size=384, val_fraction=0.1, cache_dir=tmp_path)
    assert again.directory == data.directory and (again.directory / "meta.json").stat().st_mtime_ns == stamp
    (corpus_dir / "module_000.py").write_text("changed", encoding="utf-8")
    changed = prepare_data([resolve_source(str(corpus_dir))], vocab_size=384, val_fraction=0.1, cache_dir=tmp_path)
    assert changed.directory != data.directory


def test_epoch_sampler_visits_every_window_once_per_epoch(prepared):
    sampler = EpochSampler(prepared.split("train"), seq_len=16, seed=0)
    n = sampler.count
    x, y = sampler.batch(0, n)
    assert x.shape == (n, 16) and torch_equal(x[:, 1:], y[:, :-1])
    windows = {tuple(row.tolist()) for row in x}
    all_windows = {tuple(r.tolist()) for r in prepared.split("train").windows(np.arange(n), 16)[:, :-1]}
    assert windows == all_windows
    assert not torch_equal(sampler.batch(n, 4)[0], x[:4])  # the next epoch is shuffled anew
    assert torch_equal(sampler.batch(5, 3)[0], x[5:8])  # any position is reproducible on its own


def torch_equal(a, b) -> bool:
    import torch

    return torch.equal(a, b)
