"""Shards: the metadata a Xet client uploads after its xorbs, and the hub's answer to a dedup query.

An uploaded shard lists files, each as terms (a xorb and a chunk range in it) with a verification hash
per term and the sha256 the client claims, then the new xorbs' chunk lists. Every record is 48 bytes,
integers little-endian; sections end with a bookend record. Uploads carry no footer.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

from aicommons.xet import hashing

TAG = b"HFRepoMetaData\x00" + bytes([85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169])
HEADER_VERSION = 2
FOOTER_VERSION = 1
RECORD = 48
FOOTER_SIZE = 200
BOOKEND = b"\xff" * 32 + bytes(16)
FLAG_VERIFICATION = 1 << 31
FLAG_METADATA_EXT = 1 << 30
MAX_SHARD_BYTES = 64 * 1024 * 1024

_HEADER = struct.Struct("<32sQQ")
_FILE_HEADER = struct.Struct("<32sII8x")
_TERM = struct.Struct("<32sIIII")
_HASH_RECORD = struct.Struct("<32s16x")  # verification entry and metadata extension share this layout
_XORB_HEADER = struct.Struct("<32sIIII")
_XORB_CHUNK = struct.Struct("<32sII8x")
_FOOTER = struct.Struct("<9Q32sQQ6QQQQQ")


class ShardFormatError(ValueError):
    """The bytes are not a well-formed upload shard."""


@dataclass(frozen=True)
class Term:
    xorb: bytes
    unpacked_bytes: int
    chunk_start: int
    chunk_end: int  # exclusive


@dataclass(frozen=True)
class FileBlock:
    file_hash: bytes
    terms: tuple[Term, ...]
    verification: tuple[bytes, ...] | None
    sha256: bytes | None  # as claimed by the client, in hash byte order

    @property
    def size(self) -> int:
        return sum(term.unpacked_bytes for term in self.terms)


@dataclass(frozen=True)
class XorbBlock:
    xorb: bytes
    chunks: tuple[tuple[bytes, int], ...]  # (chunk hash, uncompressed length)


@dataclass(frozen=True)
class UploadShard:
    files: tuple[FileBlock, ...]
    xorbs: tuple[XorbBlock, ...]


def parse_upload_shard(data: bytes) -> UploadShard:
    """Parse a footerless shard exactly; ShardFormatError names the first problem."""
    if len(data) > MAX_SHARD_BYTES:
        raise ShardFormatError(f"shard of {len(data)} bytes exceeds the limit of {MAX_SHARD_BYTES}")
    reader = _Reader(data)
    tag, version, footer_size = reader.unpack(_HEADER, "header")
    if tag != TAG:
        raise ShardFormatError("not a shard: wrong header tag")
    if version != HEADER_VERSION:
        raise ShardFormatError(f"shard header version {version} is not supported (expected {HEADER_VERSION})")
    if footer_size != 0:
        raise ShardFormatError("uploaded shards must not carry a footer")
    files = []
    while not reader.at_bookend():
        files.append(_read_file(reader, len(files)))
    reader.skip_bookend()
    xorbs = []
    while not reader.at_bookend():
        xorbs.append(_read_xorb(reader))
    reader.skip_bookend()
    if reader.pos != len(data):
        raise ShardFormatError(f"{len(data) - reader.pos} unexpected bytes after the shard's last section")
    with_verification = {block.verification is not None for block in files}
    if with_verification == {True, False}:
        raise ShardFormatError("either every file or no file of a shard carries verification entries")
    return UploadShard(tuple(files), tuple(xorbs))


def _read_file(reader: "_Reader", number: int) -> FileBlock:
    file_hash, flags, num_entries = reader.unpack(_FILE_HEADER, f"file {number} header")
    if flags & ~(FLAG_VERIFICATION | FLAG_METADATA_EXT):
        raise ShardFormatError(f"file {number} has unknown flags {flags:#x}")
    reader.need(num_entries * RECORD, f"file {number}'s {num_entries} terms")
    terms = []
    for _ in range(num_entries):
        xorb, _xorb_flags, unpacked, start, end = reader.unpack(_TERM, "term")
        terms.append(Term(xorb, unpacked, start, end))
    verification = None
    if flags & FLAG_VERIFICATION:
        reader.need(num_entries * RECORD, f"file {number}'s verification entries")
        verification = tuple(reader.unpack(_HASH_RECORD, "verification entry")[0] for _ in range(num_entries))
    sha256 = reader.unpack(_HASH_RECORD, "metadata extension")[0] if flags & FLAG_METADATA_EXT else None
    return FileBlock(file_hash, tuple(terms), verification, sha256)


def _read_xorb(reader: "_Reader") -> XorbBlock:
    xorb, _flags, num_chunks, _bytes_in_xorb, _bytes_on_disk = reader.unpack(_XORB_HEADER, "xorb header")
    reader.need(num_chunks * RECORD, f"the {num_chunks} chunk entries of a xorb")
    chunks = []
    for _ in range(num_chunks):
        chunk, _start, unpacked = reader.unpack(_XORB_CHUNK, "chunk entry")
        chunks.append((chunk, unpacked))
    return XorbBlock(xorb, tuple(chunks))


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def need(self, size: int, what: str) -> None:
        if len(self.data) - self.pos < size:
            raise ShardFormatError(f"shard is truncated in {what}")

    def unpack(self, layout: struct.Struct, what: str) -> tuple:
        self.need(layout.size, what)
        values = layout.unpack_from(self.data, self.pos)
        self.pos += layout.size
        return values

    def at_bookend(self) -> bool:
        self.need(RECORD, "a section (no bookend record)")
        return self.data[self.pos:self.pos + 32] == BOOKEND[:32]

    def skip_bookend(self) -> None:
        self.pos += RECORD


@dataclass(frozen=True)
class DedupXorb:
    """A stored xorb as the dedup answer describes it."""

    xorb: bytes
    chunks: tuple[tuple[bytes, int], ...]  # (chunk hash, uncompressed length)
    stored_size: int


def dedup_shard(xorbs: list[DedupXorb], hmac_key: bytes, valid_for_seconds: int) -> bytes:
    """A full shard with footer and lookup tables, holding only xorb sections, whose chunk hashes are keyed
    with ``hmac_key``: a client finds a chunk in it only if it already knows that chunk's hash."""
    out = bytearray(_HEADER.pack(TAG, HEADER_VERSION, FOOTER_SIZE))
    file_info_offset = len(out)
    out += BOOKEND
    xorb_info_offset = len(out)
    xorb_lookup: list[tuple[int, int]] = []
    chunk_lookup: list[tuple[int, int, int]] = []
    record_index = 0
    stored = materialized = 0
    for entry in sorted(xorbs, key=lambda x: (_truncated(x.xorb), x.xorb)):
        xorb_lookup.append((_truncated(entry.xorb), record_index))
        unpacked_total = sum(n for _, n in entry.chunks)
        out += _XORB_HEADER.pack(entry.xorb, 0, len(entry.chunks), unpacked_total, entry.stored_size)
        cumulative = 0
        for position, (chunk, length) in enumerate(entry.chunks):
            keyed = hashing.keyed_hash(chunk, hmac_key)
            out += _XORB_CHUNK.pack(keyed, cumulative, length)
            chunk_lookup.append((_truncated(keyed), record_index, position))
            cumulative += length
        record_index += 1 + len(entry.chunks)
        stored += entry.stored_size
        materialized += unpacked_total
    out += BOOKEND
    file_lookup_offset = len(out)
    xorb_lookup_offset = len(out)
    for key, index in xorb_lookup:
        out += struct.pack("<QI", key, index)
    chunk_lookup_offset = len(out)
    for key, index, position in sorted(chunk_lookup):
        out += struct.pack("<QII", key, index, position)
    footer_offset = len(out)
    now = int(time.time())
    out += _FOOTER.pack(FOOTER_VERSION, file_info_offset, xorb_info_offset, file_lookup_offset, 0,
                        xorb_lookup_offset, len(xorb_lookup), chunk_lookup_offset, len(chunk_lookup),
                        hmac_key, now, now + valid_for_seconds, 0, 0, 0, 0, 0, 0,
                        stored, materialized, materialized, footer_offset)
    return bytes(out)


def _truncated(raw: bytes) -> int:
    return int.from_bytes(raw[:8], "little")
