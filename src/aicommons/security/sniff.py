"""Recognise a format from its first bytes. File names are never consulted: a checkpoint renamed to .txt is
still a checkpoint."""

from __future__ import annotations

import re

SNIFF_BYTES = 512

# One alternative per kind, tried in order; the first that matches at offset 0 names the kind.
_MAGIC = re.compile(
    rb"(?P<safetensors>.{4}\x00{4}[ \t\r\n]*\{[\"}])"  # u64 header length (fits 32 bits) + JSON object; first,
    # since that length can start like a pickle or gzip
    rb"|(?P<zip>PK\x03\x04|PK\x05\x06)"  # local header, or the end record of an empty zip
    rb"|(?P<gzip>\x1f\x8b)"
    rb"|(?P<xz>\xfd7zXZ\x00)"
    rb"|(?P<lz4>\x04\x22\x4d\x18)"
    rb"|(?P<zstd>\x28\xb5\x2f\xfd)"
    rb"|(?P<seven_zip>7z\xbc\xaf\x27\x1c)"
    rb"|(?P<rar>Rar!\x1a\x07)"
    rb"|(?P<npy>\x93NUMPY)"
    rb"|(?P<gguf>GGUF)"
    rb"|(?P<pickle>\x80[\x00-\x05])"  # PROTO opcode: protocol 2+ pickles (torch legacy, joblib, numpy, plain)
    rb"|(?P<bzip2>BZh[1-9])"
    rb"|(?P<tar>.{257}ustar)"
    rb"|(?P<maybe_lzma>\x5d\x00\x00)",  # lzma "alone" with the default properties byte (joblib's lzma)
    re.DOTALL,
)
_KIND = {group: group.replace("_", "-") for group in _MAGIC.groupindex}
KINDS = frozenset({"empty", "other", "maybe-zlib", *_KIND.values()})


def sniff(head: bytes) -> str:
    """The kind of content starting with `head` (at least SNIFF_BYTES of it when the content is that long).

    Kinds marked "maybe-" rest on weak evidence and are confirmed by trying to decode them."""
    match = _MAGIC.match(head)
    if match is not None:
        return _KIND[match.lastgroup]
    if not head:
        return "empty"
    if len(head) > 1 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "maybe-zlib"  # zlib header (joblib's zlib compression writes a bare zlib stream)
    return "other"
