"""GGUF validation (ggml-org/ggml docs/gguf.md): header, typed key-value pairs, tensor infos and data layout,
plus the chat templates it carries (tokenizer.chat_template*), which are Jinja code.

Layout: "GGUF", u32 version, u64 tensor count, u64 key-value count; key-value pairs (u64-length UTF-8 key,
u32 value type, value; arrays are u32 element type, u64 count, elements, and may nest); tensor infos (name,
u32 n_dims, u64 dims, u32 ggml type, u64 offset); padding to general.alignment; tensor data. Only the header
is read. Offsets must follow one another in info order, each padded to the alignment, as ggml's reader demands.
"""

from __future__ import annotations

import struct

from .findings import Finding, Severity
from .rules import TemplatePattern
from .sources import Region
from .templates import check_chat_template

STRING, ARRAY = 8, 9
_SCALAR_FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "B", 10: "Q", 11: "q", 12: "d"}
_TEMPLATE_KEY = "tokenizer.chat_template"


class _Invalid(Exception):
    def __init__(self, rule: str, message: str, offset: int, name: str | None = None):
        super().__init__(message)
        self.rule, self.message, self.offset, self.name = rule, message, offset, name


class _Reader:
    def __init__(self, region: Region, endian: str, max_array_strings: int):
        self.buf, self.base, self.end = region.buf, region.start, region.end
        self.pos = region.start
        self.endian = endian
        self.max_array_strings = max_array_strings

    @property
    def offset(self) -> int:
        return self.pos - self.base

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > self.end:
            raise _Invalid("truncated", "file ends inside the header", self.offset)
        value = struct.unpack_from(self.endian + fmt, self.buf, self.pos)[0]
        self.pos += size
        return value

    def raw_string(self) -> bytes:
        n = self.take("Q")
        if n > self.end - self.pos:
            raise _Invalid("string", f"string length {n} runs past the end of the file", self.offset - 8)
        data = self.buf[self.pos : self.pos + n]
        self.pos += n
        return data

    def string(self, what: str) -> str:
        at = self.offset
        try:
            return self.raw_string().decode("utf-8")
        except UnicodeDecodeError:
            raise _Invalid("string", f"{what} is not valid UTF-8", at) from None

    def skip(self, n: int, what: str) -> None:
        if n > self.end - self.pos:
            raise _Invalid("truncated", f"{what} runs past the end of the file", self.offset)
        self.pos += n


def check_gguf(region: Region, facts: dict, templates: tuple[TemplatePattern, ...],
               member: str | None) -> list[Finding]:
    version = int.from_bytes(region.read(4, 4), "little")
    endian = "<"
    if version not in facts["versions"] and int.from_bytes(region.read(4, 4), "big") in facts["versions"]:
        endian = ">"  # big-endian GGUF (written for s390x)
    findings: list[Finding] = []
    try:
        _check(_Reader(region, endian, facts["max_array_strings"]), facts, templates, member, findings)
    except _Invalid as exc:
        findings.append(Finding(f"gguf.{exc.rule}", Severity.INVALID, exc.message, exc.name, member, exc.offset))
    return findings


def _check(r: _Reader, facts: dict, templates, member, findings: list[Finding]) -> None:
    r.skip(4, "magic")
    version = r.take("I")
    if version not in facts["versions"]:
        raise _Invalid("version", f"unsupported GGUF version {version}", 4)
    n_tensors, n_kv = r.take("Q"), r.take("Q")
    size = r.end - r.base
    # every tensor info takes at least 8+4+8+4+8 bytes and every pair at least 8+4+1
    if n_tensors > facts["max_tensors"] or n_tensors * 32 > size:
        raise _Invalid("counts", f"tensor count {n_tensors} is impossible for a {size}-byte file", 8)
    if n_kv > facts["max_kv"] or n_kv * 13 > size:
        raise _Invalid("counts", f"key-value count {n_kv} is impossible for a {size}-byte file", 16)

    alignment = facts["default_alignment"]
    keys: set[str] = set()
    for _ in range(n_kv):
        at = r.offset
        key = r.string("key")
        if not key or not key.isascii() or len(key) > 65535:
            raise _Invalid("key", f"key {key[:60]!r} is not a non-empty ASCII string", at)
        if key in keys:
            raise _Invalid("key", f"duplicate key {key!r}", at, key)
        keys.add(key)
        value_type = r.take("I")
        value_at = r.offset
        value = _read_value(r, value_type, facts["max_array_nesting"], key)
        if key == "general.alignment":
            if value_type != 4 or value == 0 or value & (value - 1):
                raise _Invalid("alignment", "general.alignment must be a uint32 power of two", value_at, key)
            alignment = value
        elif key == _TEMPLATE_KEY or key.startswith(_TEMPLATE_KEY + "."):
            if value_type != STRING:
                raise _Invalid("value", f"{key} must be a string", value_at, key)
            findings.extend(check_chat_template(value, templates, key, member, value_at))

    ggml_types = facts["ggml_types"]
    names: set[str] = set()
    tensors = []
    for _ in range(n_tensors):
        at = r.offset
        name = r.string("tensor name")
        if len(name.encode()) > facts["max_tensor_name"]:
            raise _Invalid("tensor-info", f"tensor name longer than {facts['max_tensor_name']} bytes", at, name[:64])
        if name in names:
            raise _Invalid("tensor-info", "duplicate tensor name", at, name)
        names.add(name)
        n_dims = r.take("I")
        if not 1 <= n_dims <= facts["max_dims"]:
            raise _Invalid("tensor-info", f"{n_dims} dimensions (1 to {facts['max_dims']} allowed)", at, name)
        dims = [r.take("Q") for _ in range(n_dims)]
        ggml_type = r.take("I")
        if ggml_type not in ggml_types:
            raise _Invalid("tensor-info", f"unknown ggml type {ggml_type}", at, name)
        type_name, block, type_size = ggml_types[ggml_type]
        elements = 1
        for d in dims:
            elements *= d
        if elements >= 1 << 63:
            raise _Invalid("tensor-info", f"element count overflows ({dims})", at, name)
        if dims[0] % block:
            raise _Invalid("tensor-info", f"first dimension {dims[0]} is not a multiple of the {type_name} "
                           f"block size {block}", at, name)
        offset = r.take("Q")
        if offset % alignment:
            raise _Invalid("tensor-info", f"data offset {offset} is not aligned to {alignment}", at, name)
        tensors.append((name, offset, elements // block * type_size, at))

    data_start = -(-r.offset // alignment) * alignment
    expected = 0
    for name, offset, nbytes, at in tensors:
        if offset != expected:
            raise _Invalid("tensor-data", f"data offset {offset} where {expected} was expected "
                           "(tensors overlap or leave gaps)", at, name)
        if data_start + offset + nbytes > size:
            raise _Invalid("tensor-data", f"tensor data [{offset}, {offset + nbytes}) runs past the end of the file",
                           at, name)
        expected = offset + -(-nbytes // alignment) * alignment
    if tensors and size > data_start + expected:
        findings.append(Finding("gguf.trailing-data", Severity.INFO,
                                f"{size - data_start - expected} bytes after the last tensor belong to no tensor",
                                None, member, data_start + expected))


def _read_value(r: _Reader, value_type: int, depth: int, key: str):
    if value_type in _SCALAR_FORMATS:
        at = r.offset
        value = r.take(_SCALAR_FORMATS[value_type])
        if value_type == 7 and value > 1:
            raise _Invalid("value", f"{key}: boolean byte {value}", at, key)
        return value
    if value_type == STRING:
        return r.string(f"value of {key}")
    if value_type == ARRAY:
        if depth <= 0:
            raise _Invalid("value", f"{key}: arrays nested too deeply", r.offset, key)
        at = r.offset
        element_type, count = r.take("I"), r.take("Q")
        if element_type in _SCALAR_FORMATS:
            width = struct.calcsize(_SCALAR_FORMATS[element_type])
            start = r.pos
            r.skip(count * width, f"{key} array")
            if element_type == 7 and r.buf[start : r.pos].translate(None, b"\x00\x01"):
                raise _Invalid("value", f"{key}: boolean array holds bytes other than 0 and 1", at, key)
        elif element_type == STRING:
            if count * 8 > r.end - r.pos:
                raise _Invalid("value", f"{key}: array of {count} strings cannot fit in the file", at, key)
            if count > r.max_array_strings:
                raise _Invalid("value", f"{key}: array of {count} strings is too long to verify", at, key)
            for _ in range(count):
                r.raw_string()  # token lists may hold raw bytes; only their bounds matter
        elif element_type == ARRAY:
            for _ in range(count):
                _read_value(r, ARRAY, depth - 1, key)
        else:
            raise _Invalid("value", f"{key}: unknown array element type {element_type}", at, key)
        return None
    raise _Invalid("value", f"{key}: unknown value type {value_type}", r.offset - 4, key)
