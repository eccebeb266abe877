"""Read the header of a GGUF file (llama.cpp's format): its metadata key/values and its tensors' types.

Layout (little-endian): magic 'GGUF', uint32 version, uint64 tensor count, uint64 key/value count, the key/values
(string key, uint32 value type, value), then per tensor: string name, uint32 dims, uint64 sizes, uint32 ggml type,
uint64 offset. Strings are a uint64 length and UTF-8 bytes. Only the header is read, in bounded chunks.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from functools import cache
from pathlib import Path

import yaml

MAX_HEADER_BYTES = 256 * 1024 * 1024  # tokenizer vocabularies make headers tens of MB
MAX_ITEMS = 10_000_000
MAX_STRING_BYTES = 16 * 1024 * 1024
KEPT_STRING_CHARS = 300
READ_CHUNK = 1024 * 1024
# value type -> struct format of a scalar; 8 is a string, 9 an array
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


class GGUFError(ValueError):
    pass


@cache
def _types() -> dict:
    with open(Path(__file__).with_name("data") / "gguf_types.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class _Stream:
    """Sequential reads over a blob through ``iter_range``, a chunk at a time, never past the header limit."""

    def __init__(self, blobs, sha256: str, size: int):
        self.blobs, self.sha256, self.size = blobs, sha256, size
        self.buffer = b""
        self.position = 0  # file offset of buffer[0]
        self.cursor = 0

    def take(self, length: int) -> bytes:
        end = self.cursor + length
        if end > min(self.size, MAX_HEADER_BYTES):
            raise GGUFError("header runs past the end of the file or past the size limit")
        while end > self.position + len(self.buffer):
            start = self.position + len(self.buffer)
            stop = min(self.size, start + max(READ_CHUNK, end - start)) - 1
            keep = self.buffer[self.cursor - self.position:]
            self.position = self.cursor
            self.buffer = keep + b"".join(self.blobs.iter_range(self.sha256, start, stop))
        data = self.buffer[self.cursor - self.position:end - self.position]
        self.cursor = end
        return data

    def unpack(self, fmt: str):
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        length = self.unpack("Q")
        if length > MAX_STRING_BYTES:
            raise GGUFError(f"a string of {length} bytes is too long")
        return self.take(length).decode("utf-8", "replace")


def read_gguf_header(blobs, sha256: str, size: int) -> dict:
    """{version, tensor_count, metadata: {key: value (arrays as their length)}, file_type, tensor_types (tensors
    per type), tensor_parameters (elements per type)}."""
    stream = _Stream(blobs, sha256, size)
    if stream.take(4) != b"GGUF":
        raise GGUFError("not a GGUF file (no GGUF magic)")
    version = stream.unpack("I")
    if version not in (2, 3):
        raise GGUFError(f"unsupported GGUF version {version}")
    tensor_count, kv_count = stream.unpack("Q"), stream.unpack("Q")
    if tensor_count > MAX_ITEMS or kv_count > MAX_ITEMS:
        raise GGUFError("implausible tensor or key counts")
    metadata = {}
    for _ in range(kv_count):
        key = stream.string()
        metadata[key] = _value(stream, stream.unpack("I"))
    tensor_types: Counter = Counter()
    tensor_parameters: Counter = Counter()  # elements per type: the model's parameters, by quantization
    names = _types()["tensor_types"]
    for _ in range(tensor_count):
        stream.string()
        dims = stream.unpack("I")
        if dims > 8:
            raise GGUFError(f"a tensor with {dims} dimensions")
        elements = math.prod(struct.unpack(f"<{dims}Q", stream.take(8 * dims)))
        kind = names.get(stream.unpack("I"), "unknown")
        tensor_types[kind] += 1
        tensor_parameters[kind] += elements
        stream.unpack("Q")
    file_type = metadata.get("general.file_type")
    return {
        "version": version,
        "tensor_count": tensor_count,
        "metadata": metadata,
        "architecture": metadata.get("general.architecture"),
        "file_type": _types()["file_types"].get(file_type) if isinstance(file_type, int) else None,
        "tensor_types": dict(tensor_types),
        "tensor_parameters": dict(tensor_parameters),
        "quantized": any(t not in _types()["unquantized_tensor_types"] for t in tensor_types),
    }


def _value(stream: _Stream, kind: int):
    if kind in _SCALARS:
        return stream.unpack(_SCALARS[kind])
    if kind == _STRING:
        return stream.string()[:KEPT_STRING_CHARS]
    if kind == _ARRAY:
        item_kind, count = stream.unpack("I"), stream.unpack("Q")
        if count > MAX_ITEMS:
            raise GGUFError(f"an array of {count} items is too long")
        if item_kind in _SCALARS:  # skipped whole: vocabularies and scores are not facts we index
            stream.take(struct.calcsize(_SCALARS[item_kind]) * count)
        else:
            for _ in range(count):
                _value(stream, item_kind)
        return {"array_of": count}
    raise GGUFError(f"unknown metadata value type {kind}")


def gguf_base_models(metadata: dict) -> list[str]:
    """Base models a GGUF names in `general.base_model.N.repo_url` (Hub URLs), as repo ids."""
    out = []
    for index in range(int(metadata.get("general.base_model.count", 0) or 0)):
        url = metadata.get(f"general.base_model.{index}.repo_url") or ""
        path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else ""
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2:
            out.append(f"{parts[0]}/{parts[1]}")
    return out
