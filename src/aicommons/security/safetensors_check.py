"""safetensors header validation, stricter than the reference reader (shared reference trust.md section 5).

Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data buffer. Every tensor entry is
{dtype, shape, data_offsets: [begin, end]} relative to the buffer; sorted by offset the entries must tile the
buffer exactly (no gap, no overlap, nothing after the last one), each span must equal elements x dtype bits / 8,
and the optional __metadata__ maps strings to strings. Only the header is read, never the tensor data.
"""

from __future__ import annotations

import json
from math import prod

from .findings import Finding, Severity
from .sources import Region

MAX_PROBLEMS = 20
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def check_safetensors(region: Region, facts: dict, member: str | None) -> list[Finding]:
    problems: list[Finding] = []

    def bad(rule: str, message: str, name: str | None = None, offset: int | None = None) -> list[Finding]:
        if len(problems) < MAX_PROBLEMS:
            problems.append(Finding(f"safetensors.{rule}", Severity.INVALID, message, name, member, offset))
        return problems

    size = region.size
    if size < 8:
        return bad("header-length", "file is shorter than the 8-byte header length", offset=0)
    n = int.from_bytes(region.read(0, 8), "little")
    if n > facts["max_header_size"]:
        return bad("header-length", f"header length {n} exceeds the limit of {facts['max_header_size']} bytes",
                   offset=0)
    if 8 + n > size:
        return bad("header-length", f"header length {n} runs past the end of the file ({size} bytes)", offset=0)
    raw = region.read(8, n)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return bad("header-json", f"header is not UTF-8 ({exc.reason})", offset=8 + exc.start)
    if not text.startswith("{"):
        return bad("header-json", "header does not start with '{'", offset=8)
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        return bad("header-json", f"header is not a valid JSON object: {exc}", offset=8)
    if not isinstance(header, dict):
        return bad("header-json", "header is not a JSON object", offset=8)

    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        bad("metadata", "__metadata__ must map strings to strings", "__metadata__", 8)

    dtypes = facts["dtypes"]
    spans = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            bad("tensor-entry", "entry must have exactly dtype, shape and data_offsets", name, 8)
            continue
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in dtypes:
            bad("dtype", f"unknown dtype {dtype!r}", name, 8)
            continue
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            bad("shape", "shape must be a list of non-negative integers", name, 8)
            continue
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(type(o) is int and o >= 0 for o in offsets) or offsets[1] < offsets[0]):
            bad("offsets", "data_offsets must be [begin, end] with 0 <= begin <= end", name, 8)
            continue
        bits = prod(shape) * dtypes[dtype]
        if bits % 8:
            bad("shape", f"{prod(shape)} elements of {dtype} do not end on a byte boundary", name, 8)
            continue
        begin, end = offsets
        if end - begin != bits // 8:
            bad("shape", f"shape {shape} of {dtype} needs {bits // 8} bytes but data_offsets span {end - begin}",
                name, 8 + n + begin)
            continue
        spans.append((begin, end, name))

    buffer_size = size - 8 - n
    expected = 0
    for begin, end, name in sorted(spans):
        if begin != expected:
            kind = "overlaps the previous tensor" if begin < expected else f"leaves a gap of {begin - expected} bytes"
            bad("offsets", f"data_offsets [{begin}, {end}] {kind}", name, 8 + n + begin)
        expected = max(expected, end)
    if not problems and expected != buffer_size:
        if expected > buffer_size:
            bad("coverage", f"tensors need {expected} bytes of data but the file holds {buffer_size}", offset=size)
        else:
            bad("coverage", f"{buffer_size - expected} bytes after the last tensor are not part of any tensor",
                offset=8 + n + expected)
    return problems
