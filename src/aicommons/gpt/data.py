"""Tokenise training text once into memory-mapped shards, and read batches back from them.

The shards live in a cache folder named by a hash of everything that decides their
content (the sources' text, the tokenizer, the split), so a second run with the same
inputs starts training at once. Each document is stored as <|endoftext|> followed by
its tokens. Documents go to the validation split by a hash of their name, so the split
does not change when other documents are added.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from .sources import Document, Source
from .tokenizer import Tokenizer

FORMAT_VERSION = 1
SHARD_TOKENS = 1 << 27  # 256 MiB of uint16 per shard
ENCODE_BATCH_CHARS = 4 << 20
TOKENIZER_SAMPLE_CHARS = 200 << 20  # BPE statistics settle long before this much text


def default_cache_dir() -> Path:
    return Path(os.environ.get("AICOMMONS_CACHE", Path.home() / ".cache" / "aicommons")) / "gpt"


def _digest(record: object) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _is_validation(name: str, val_fraction: float) -> bool:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") < val_fraction * 2**64


def split_documents(docs: list[Document], val_fraction: float) -> tuple[list[Document], list[Document]]:
    """Assign whole documents to train or validation by a hash of their name.

    With too few documents for that to give both splits text, every document is cut instead:
    its last `val_fraction` (from a line start where possible) goes to validation.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    train = [d for d in docs if not _is_validation(d.name, val_fraction)]
    val = [d for d in docs if _is_validation(d.name, val_fraction)]
    if train and val:
        return train, val
    train, val = [], []
    for doc in docs:
        cut = int(len(doc.text) * (1 - val_fraction))
        line_start = doc.text.rfind("\n", 0, cut) + 1
        cut = line_start or cut
        train.append(Document(doc.name, doc.text[:cut]))
        val.append(Document(doc.name, doc.text[cut:]))
    return train, val


class TokenSplit:
    """One split's shards as memory maps, cut into windows of `seq_len + 1` tokens
    (inputs plus the shifted targets)."""

    def __init__(self, directory: Path, info: dict, dtype: str):
        self.info = info
        self.shards = [np.memmap(directory / s["file"], dtype=dtype, mode="r") for s in info["shards"]]

    @property
    def tokens(self) -> int:
        return self.info["tokens"]

    def num_windows(self, seq_len: int) -> int:
        return int(self._window_offsets(seq_len)[-1])

    def _window_offsets(self, seq_len: int) -> np.ndarray:
        counts = [max(len(s) - 1, 0) // seq_len for s in self.shards]
        return np.concatenate([[0], np.cumsum(counts)])

    def windows(self, indices: np.ndarray, seq_len: int) -> torch.Tensor:
        """Windows by index, as an int64 tensor (len(indices), seq_len + 1). Windows never cross shards."""
        offsets = self._window_offsets(seq_len)
        shard_of = np.searchsorted(offsets, indices, side="right") - 1
        rows = [
            self.shards[s][(i - offsets[s]) * seq_len : (i - offsets[s]) * seq_len + seq_len + 1]
            for s, i in zip(shard_of, indices)
        ]
        return torch.from_numpy(np.stack(rows).astype(np.int64))


class EpochSampler:
    """Maps a global sequence number to a window: every epoch visits each window once, in an
    order drawn from (seed, epoch). Stateless, so resuming only needs the sequence number."""

    def __init__(self, split: TokenSplit, seq_len: int, seed: int):
        self.split, self.seq_len, self.seed = split, seq_len, seed
        self.count = split.num_windows(seq_len)
        if self.count == 0:
            raise ValueError(f"training split has {split.tokens} tokens, fewer than one sequence of {seq_len + 1}")
        self._epoch, self._order = -1, np.empty(0, dtype=np.int64)

    def _order_of(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            self._epoch, self._order = epoch, np.random.default_rng([self.seed, epoch]).permutation(self.count)
        return self._order

    def batch(self, first: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets for sequences first .. first + size - 1."""
        picks = np.array([self._order_of(n // self.count)[n % self.count] for n in range(first, first + size)])
        window = self.split.windows(picks, self.seq_len)
        return window[:, :-1], window[:, 1:]

    def epoch_of(self, sequence: int) -> float:
        return sequence / self.count


@dataclass
class PreparedData:
    directory: Path
    meta: dict
    tokenizer: Tokenizer

    def split(self, name: str) -> TokenSplit:
        return TokenSplit(self.directory, self.meta["splits"][name], self.meta["dtype"])

    @property
    def key(self) -> str:
        return self.directory.name

    @cached_property
    def token_bytes(self) -> torch.Tensor:
        """UTF-8 length of each token; 0 for <|endoftext|>, which stands for no text."""
        return torch.tensor([len(b) for b in self.tokenizer.token_bytes], dtype=torch.int64)


def prepare_data(
    sources: list[Source],
    *,
    tokenizer: Tokenizer | None = None,
    vocab_size: int = 4096,
    val_fraction: float = 0.02,
    cache_dir: Path | None = None,
) -> PreparedData:
    """Tokenise `sources` (training a tokenizer first unless one is given), or reuse the cache."""
    if not sources:
        raise ValueError("no data sources given")
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    source_digests = [s.sha256 for s in sources]

    @functools.cache
    def splits() -> tuple[list[Document], list[Document]]:  # read only when something must be built
        return split_documents([doc for source in sources for doc in source.documents()], val_fraction)

    if tokenizer is None:
        tokenizer = _cached_tokenizer(lambda: splits()[0], source_digests, vocab_size, val_fraction, cache_dir)
    key = _digest(
        {"format": FORMAT_VERSION, "tokenizer": tokenizer.sha256, "sources": source_digests, "val": val_fraction}
    )
    directory = cache_dir / "data" / key[:24]
    if not (directory / "meta.json").is_file():
        meta = {
            "format": FORMAT_VERSION,
            "tokenizer_sha256": tokenizer.sha256,
            "vocab_size": tokenizer.vocab_size,
            "dtype": "uint16" if tokenizer.vocab_size <= 1 << 16 else "uint32",
            "val_fraction": val_fraction,
            "sources": [s.describe() for s in sources],
        }
        _publish_folder(directory, lambda tmp: _write_splits(tmp, meta, tokenizer, *splits()))
    return PreparedData(directory, json.loads((directory / "meta.json").read_text()), tokenizer)


def _cached_tokenizer(
    train_docs: Callable[[], list[Document]],
    source_digests: list[str],
    vocab_size: int,
    val_fraction: float,
    cache_dir: Path,
) -> Tokenizer:
    key = _digest({"format": FORMAT_VERSION, "sources": source_digests, "vocab": vocab_size, "val": val_fraction})
    directory = cache_dir / "tokenizers" / key[:24]
    if not (directory / "tokenizer.json").is_file():

        def sample():
            budget = TOKENIZER_SAMPLE_CHARS
            for doc in train_docs():
                if budget <= 0:
                    return
                budget -= len(doc.text)
                yield doc.text

        tokenizer = Tokenizer.train(sample(), vocab_size)
        _publish_folder(directory, lambda tmp: (tmp / "tokenizer.json").write_text(tokenizer.to_json()))
    return Tokenizer.load(directory)


def _publish_folder(directory: Path, fill) -> None:
    """Build a cache folder beside its final place and rename it in, so a crash or a concurrent
    run never leaves a half-written folder under the final name."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=directory.parent))
    try:
        fill(tmp)
        os.replace(tmp, directory)
    except OSError:
        if not directory.is_dir():  # not lost a race to another process writing the same content
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_splits(folder: Path, meta: dict, tokenizer: Tokenizer, train: list[Document], val: list[Document]) -> None:
    meta["splits"] = {
        name: _write_split(folder, name, docs, tokenizer, np.dtype(meta["dtype"]))
        for name, docs in (("train", train), ("val", val))
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def _write_split(folder: Path, name: str, docs: list[Document], tokenizer: Tokenizer, dtype: np.dtype) -> dict:
    shards, n_bytes, current, filled = [], 0, None, SHARD_TOKENS
    for batch in _batches(docs):
        for doc, ids in zip(batch, tokenizer.encode_batch([d.text for d in batch])):
            n_bytes += len(doc.text.encode())
            tokens = np.asarray([tokenizer.eot_id, *ids], dtype=dtype)
            while tokens.size:
                if filled == SHARD_TOKENS:
                    if current:
                        current.close()
                    shards.append({"file": f"{name}_{len(shards):03d}.bin", "tokens": 0})
                    current, filled = open(folder / shards[-1]["file"], "wb"), 0
                part, tokens = tokens[: SHARD_TOKENS - filled], tokens[SHARD_TOKENS - filled :]
                part.tofile(current)
                filled += part.size
                shards[-1]["tokens"] += int(part.size)
    if current:
        current.close()
    return {"documents": len(docs), "bytes": n_bytes, "tokens": sum(s["tokens"] for s in shards), "shards": shards}


def _batches(docs: list[Document]):
    batch, size = [], 0
    for doc in docs:
        batch.append(doc)
        size += len(doc.text)
        if size >= ENCODE_BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
