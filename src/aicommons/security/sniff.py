"""Recognise a format from its first bytes. File names are never consulted: a checkpoint renamed to .txt is
still a checkpoint."""

from __future__ import annotations

SNIFF_BYTES = 512
KINDS = frozenset({"empty", "safetensors", "zip", "gzip", "xz", "lz4", "zstd", "7z", "rar", "npy", "gguf", "pickle",
                   "bzip2", "tar", "maybe-lzma", "maybe-zlib", "other"})

# (prefix, kind); checked in order
_MAGICS = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # empty zip
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x93NUMPY", "npy"),
    (b"GGUF", "gguf"),
)
_BY_FIRST_BYTE: dict[int, list[tuple[bytes, str]]] = {}
for _magic, _kind in _MAGICS:
    _BY_FIRST_BYTE.setdefault(_magic[0], []).append((_magic, _kind))


def sniff(head: bytes) -> str:
    """The kind of content starting with `head` (at least SNIFF_BYTES of it when the content is that long).

    Kinds marked "maybe-" rest on weak evidence and are confirmed by trying to decode them."""
    if not head:
        return "empty"
    if _looks_like_safetensors(head):  # first: its length prefix can start like a pickle or gzip
        return "safetensors"
    for magic, kind in _BY_FIRST_BYTE.get(head[0], ()):
        if head.startswith(magic):
            return kind
    if head[0] == 0x80 and len(head) > 1 and head[1] <= 5:
        return "pickle"  # PROTO opcode: protocol 2+ pickles (torch legacy, joblib, numpy, plain)
    if head.startswith(b"BZh") and len(head) > 3 and 0x31 <= head[3] <= 0x39:
        return "bzip2"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"\x5d\x00\x00"):
        return "maybe-lzma"  # lzma "alone" format with the default properties byte (joblib's lzma)
    if len(head) > 1 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "maybe-zlib"  # zlib header (joblib's zlib compression writes a bare zlib stream)
    return "other"


def _looks_like_safetensors(head: bytes) -> bool:
    """An 8-byte little-endian header length (a valid one always fits in 32 bits) then a JSON object."""
    if len(head) < 10 or head[4:8] != b"\x00\x00\x00\x00":
        return False
    body = head[8:].lstrip(b" \t\r\n")
    return body.startswith(b'{"') or body.startswith(b"{}")
