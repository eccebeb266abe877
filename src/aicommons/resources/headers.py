"""Tensor names, types and shapes from a weights file's header, read without touching the weights.

safetensors: bytes 0-7 are a little-endian u64 header length N; bytes 8..8+N are JSON
``{name: {dtype, shape, data_offsets}, "__metadata__": {...}}``. GGUF: the index's header reader (metadata
key/values, then each tensor's name, dimensions and type). Only header bytes are read, through a
``read(start, length)`` callable, so the same code serves the blob store (ranges) and local files.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024  # the format's own limit on the JSON header

Reader = Callable[[int, int], bytes]  # (start, length) -> exactly that many bytes, or fewer at end of file


class HeaderError(ValueError):
    """The file is not a readable weights file; the message names what is wrong."""


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count


@dataclass
class WeightsHeader:
    format: str  # "safetensors" | "gguf"
    tensors: list[TensorInfo] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"format": self.format, "tensors": [[t.name, t.dtype, list(t.shape)] for t in self.tensors],
                "metadata": self.metadata}

    @classmethod
    def from_json(cls, data: dict) -> WeightsHeader:
        return cls(data["format"], [TensorInfo(n, d, tuple(s)) for n, d, s in data["tensors"]], data["metadata"])


def read_safetensors_header(read: Reader, size: int) -> WeightsHeader:
    if size < 8:
        raise HeaderError(f"a file of {size} bytes is too short for a safetensors header")
    (length,) = struct.unpack("<Q", _exactly(read, 0, 8))
    if length > MAX_SAFETENSORS_HEADER or 8 + length > size:
        raise HeaderError(f"header length {length} does not fit a file of {size} bytes")
    try:
        header = json.loads(_exactly(read, 8, length))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HeaderError(f"safetensors header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise HeaderError("safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise HeaderError("safetensors __metadata__ is not a JSON object")
    tensors = [_tensor(name, entry) for name, entry in header.items()]
    return WeightsHeader("safetensors", sorted(tensors, key=lambda t: t.name),
                         {str(k): str(v) for k, v in metadata.items()})


def _tensor(name: str, entry) -> TensorInfo:
    if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
        raise HeaderError(f"tensor {name!r} has no dtype")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                              for d in shape):
        raise HeaderError(f"tensor {name!r}: shape must be a list of non-negative integers")
    return TensorInfo(name, entry["dtype"], tuple(shape))


def read_gguf_header_summary(read: Reader, size: int) -> WeightsHeader:
    """A GGUF file as one entry per tensor type holding the elements of every tensor of that type, with the
    architecture's numeric metadata (dimensions) and the vocabulary size."""
    from aicommons.index.gguf import GGUFError, read_gguf_header

    try:
        header = read_gguf_header(_RangeBlobs(read), "", size)
    except GGUFError as error:
        raise HeaderError(str(error)) from None
    metadata, architecture = header["metadata"], header["architecture"]
    prefix = f"{architecture}."
    tokens = metadata.get("tokenizer.ggml.tokens")
    return WeightsHeader(
        "gguf",
        [TensorInfo(kind, kind, (count,)) for kind, count in sorted(header["tensor_parameters"].items())],
        {"architecture": architecture, "file_type": header["file_type"],
         "vocab_size": tokens.get("array_of") if isinstance(tokens, dict) else None,
         "dimensions": {k[len(prefix):]: v for k, v in metadata.items()
                        if k.startswith(prefix) and isinstance(v, (int, float)) and not isinstance(v, bool)}},
    )


class _RangeBlobs:
    """A Reader seen as the blob store's iter_range, which the GGUF reader takes."""

    def __init__(self, read: Reader):
        self.read = read

    def iter_range(self, _sha256: str, start: int, end: int):
        yield self.read(start, end - start + 1)


def _exactly(read: Reader, start: int, length: int) -> bytes:
    data = read(start, length)
    if len(data) != length:
        raise HeaderError("the file ends inside its header")
    return data


def blob_reader(blobs, sha256: str) -> Reader:
    """Ranges of a stored blob (``BlobStore.iter_range`` takes an inclusive end)."""
    return lambda start, length: b"".join(blobs.iter_range(sha256, start, start + length - 1)) if length else b""


def file_reader(path: Path) -> Reader:
    def read(start: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(start)
            return handle.read(length)

    return read
