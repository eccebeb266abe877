"""Read a safetensors blob's header and hash every tensor's bytes, streaming the file once.

Format: an 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
"__metadata__": {str: str}}, then the tensor data; offsets count from the end of the header.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from dataclasses import dataclass, field

MAX_HEADER_BYTES = 100 * 1024 * 1024  # the format's own limit


class SafetensorsError(ValueError):
    pass


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]
    content_sha256: str

    @property
    def parameters(self) -> int:
        return math.prod(self.shape)


@dataclass
class SafetensorsScan:
    tensors: list[Tensor] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    @property
    def parameters(self) -> int:
        return sum(t.parameters for t in self.tensors)


@dataclass(frozen=True)
class _Span:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


def scan_safetensors(blobs, sha256: str, size: int) -> SafetensorsScan:
    """Tensors with their content hashes; raises SafetensorsError naming what is malformed."""
    if size < 8:
        raise SafetensorsError(f"file of {size} bytes is too short for a safetensors header")
    (header_size,) = struct.unpack("<Q", _read(blobs, sha256, 0, 8))
    if header_size > MAX_HEADER_BYTES or 8 + header_size > size:
        raise SafetensorsError(f"header length {header_size} does not fit a file of {size} bytes")
    try:
        header = json.loads(_read(blobs, sha256, 8, header_size))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafetensorsError(f"header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise SafetensorsError("header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise SafetensorsError("__metadata__ is not a JSON object")
    data_start = 8 + header_size
    spans = sorted((_span(name, entry, size - data_start) for name, entry in header.items()),
                   key=lambda span: (span.begin, span.end))
    for previous, current in zip(spans, spans[1:]):
        if current.begin < previous.end:
            raise SafetensorsError(f"tensors {previous.name!r} and {current.name!r} overlap")
    hashes = _hash_spans(blobs, sha256, data_start, spans)
    tensors = [Tensor(s.name, s.dtype, s.shape, digest) for s, digest in zip(spans, hashes)]
    return SafetensorsScan(sorted(tensors, key=lambda t: t.name), {str(k): str(v) for k, v in metadata.items()})


def _span(name: str, entry, data_size: int) -> _Span:
    if not isinstance(entry, dict):
        raise SafetensorsError(f"tensor {name!r}: entry is not an object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str):
        raise SafetensorsError(f"tensor {name!r}: dtype missing")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise SafetensorsError(f"tensor {name!r}: shape must be a list of non-negative integers")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_size):
        raise SafetensorsError(f"tensor {name!r}: data_offsets {offsets!r} outside the data of {data_size} bytes")
    return _Span(name, dtype, tuple(shape), offsets[0], offsets[1])


def _hash_spans(blobs, sha256: str, data_start: int, spans: list[_Span]) -> list[str]:
    """One sequential read from the first tensor's start to the last one's end, split among the tensors."""
    hashers = [hashlib.sha256() for _ in spans]
    pending = [i for i, span in enumerate(spans) if span.end > span.begin]
    if pending:
        position = spans[pending[0]].begin
        last = spans[pending[-1]].end
        current = 0
        for chunk in blobs.iter_range(sha256, data_start + position, data_start + last - 1):
            offset = 0
            while offset < len(chunk) and current < len(pending):
                span = spans[pending[current]]
                if position < span.begin:  # a gap between tensors
                    skip = min(span.begin - position, len(chunk) - offset)
                    position += skip
                    offset += skip
                    continue
                take = min(span.end - position, len(chunk) - offset)
                hashers[pending[current]].update(chunk[offset:offset + take])
                position += take
                offset += take
                if position == span.end:
                    current += 1
        if current < len(pending):
            raise SafetensorsError("file ends before its last tensor")
    return [hasher.hexdigest() for hasher in hashers]


def _read(blobs, sha256: str, start: int, length: int) -> bytes:
    data = b"".join(blobs.iter_range(sha256, start, start + length - 1)) if length else b""
    if len(data) != length:
        raise SafetensorsError("file ends inside its header")
    return data


def tensor_set_digest(tensors) -> str | None:
    """A fingerprint of a set of tensors (name, dtype, shape, content), whatever files hold them."""
    if not tensors:
        return None
    lines = sorted(f"{t.name}\t{t.dtype}\t{list(t.shape)}\t{t.content_sha256}" for t in tensors)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
