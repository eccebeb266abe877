"""Builders for hand-made pickles, archives and GGUF files used by the scanner tests.

Nothing here is ever loaded: the payloads only have to look like what an attacker would ship."""

from __future__ import annotations

import io
import struct
import zipfile

COMMAND = "echo scanned-never-run"

MARK, STOP, TUPLE, REDUCE, BUILD = b"(", b".", b"t", b"R", b"b"
TUPLE1, TUPLE2, EMPTY_TUPLE, EMPTY_DICT = b"\x85", b"\x86", b")", b"}"
MEMOIZE, STACK_GLOBAL, POP, NEWOBJ_EX = b"\x94", b"\x93", b"0", b"\x92"
SETITEMS, SETITEM = b"u", b"s"


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def glob(module: str, name: str) -> bytes:
    """GLOBAL opcode (protocols 0-3 style)."""
    return b"c" + f"{module}\n{name}\n".encode()


def text(s: str) -> bytes:
    """SHORT_BINUNICODE."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def binunicode(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def binput(i: int) -> bytes:
    return b"q" + bytes([i])


def binget(i: int) -> bytes:
    return b"h" + bytes([i])


def stack_global(module: str, name: str) -> bytes:
    return text(module) + text(name) + STACK_GLOBAL


def call(func: bytes, *args: bytes) -> bytes:
    return func + MARK + b"".join(args) + TUPLE + REDUCE


def rce(module: str = "os", name: str = "system", protocol: int = 2) -> bytes:
    """A complete pickle that calls module.name(COMMAND) when loaded."""
    head = proto(protocol) if protocol >= 2 else b""
    func = stack_global(module, name) if protocol >= 4 else glob(module, name)
    arg = text(COMMAND) if protocol >= 4 else b"S'" + COMMAND.encode() + b"'\n"
    return head + call(func, arg) + STOP


class Evil:
    """Pickles to os.system(COMMAND), the way a real malicious checkpoint does."""

    def __reduce__(self):
        import os

        return (os.system, (COMMAND,))


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# -- GGUF -------------------------------------------------------------------------------------------------------

U32, STRING_T, ARRAY_T, F32_T = 4, 8, 9, 6


def _gguf_string(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


_SCALARS = {0: "B", 7: "B", U32: "I", F32_T: "f", 10: "Q"}


def gguf_value(value_type: int, value) -> bytes:
    if value_type == STRING_T:
        return _gguf_string(value)
    if value_type == ARRAY_T:
        element_type, items = value
        return struct.pack("<IQ", element_type, len(items)) + b"".join(gguf_value(element_type, v) for v in items)
    return struct.pack("<" + _SCALARS[value_type], value)


def gguf_bytes(kv: list[tuple[str, int, object]], tensors: list[tuple[str, list[int], int, bytes]],
               alignment: int = 32, version: int = 3) -> bytes:
    """A GGUF file following ggml docs/gguf.md: kv = (key, type, value); tensors = (name, dims, ggml type, data)."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kv)))
    for key, value_type, value in kv:
        out += _gguf_string(key) + struct.pack("<I", value_type) + gguf_value(value_type, value)
    offset = 0
    for name, dims, ggml_type, data in tensors:
        out += _gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ggml_type, offset)
        offset += -(-len(data) // alignment) * alignment
    out += b"\x00" * (-len(out) % alignment)
    for _, _, _, data in tensors:
        out += data + b"\x00" * (-len(data) % alignment)
    return bytes(out)
