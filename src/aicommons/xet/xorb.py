"""Xorbs: the containers of chunks that Xet clients upload.

A client sends a xorb body without its footer: chunk records back to back, each an 8-byte header
(version, compressed length u24, scheme, uncompressed length u24) and the chunk's bytes, stored raw,
LZ4-framed, or byte-grouped then LZ4-framed. The hub keeps the body as it arrived and a side index of
where each chunk starts, so it can hand out exact byte ranges and decode them again when serving.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from typing import Iterator

import lz4.frame
import numpy as np

from aicommons.xet import hashing

HEADER_SIZE = 8
RECORD_VERSION = 0
SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4 = 0, 1, 2
MAX_CHUNK_BYTES = 128 * 1024
MAX_COMPRESSED_CHUNK_BYTES = 2 * MAX_CHUNK_BYTES
MAX_XORB_CHUNKS = 8192
MAX_XORB_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XORB_BODY_BYTES = MAX_XORB_UNPACKED_BYTES + HEADER_SIZE * MAX_XORB_CHUNKS
FOOTER_IDENT = b"XETBLOB"

_INDEX_ENTRY = struct.Struct("<32sII")  # chunk hash, offset of its record in the body, uncompressed length


class XorbFormatError(ValueError):
    """The bytes are not a well-formed xorb, or do not hash to the name they were sent under."""


@dataclass(frozen=True)
class XorbIndex:
    """Where each chunk of a stored xorb lies: enough to verify terms and serve byte ranges."""

    hashes: tuple[bytes, ...]
    offsets: tuple[int, ...]  # offset of each chunk's record header in the stored body
    lengths: tuple[int, ...]  # uncompressed length of each chunk
    stored_size: int

    @property
    def num_chunks(self) -> int:
        return len(self.hashes)

    @property
    def unpacked_size(self) -> int:
        return sum(self.lengths)

    def record_end(self, index: int) -> int:
        """One past the last byte of chunk ``index``'s record."""
        return self.offsets[index + 1] if index + 1 < len(self.offsets) else self.stored_size

    def byte_span(self, start: int, end: int) -> tuple[int, int]:
        """Inclusive byte range of the records of chunks [start, end) in the stored body."""
        return self.offsets[start], self.record_end(end - 1) - 1

    def nodes(self, start: int, end: int) -> list[hashing.Node]:
        return list(zip(self.hashes[start:end], self.lengths[start:end]))

    def pack(self) -> bytes:
        return b"".join(_INDEX_ENTRY.pack(h, o, n) for h, o, n in zip(self.hashes, self.offsets, self.lengths))

    @classmethod
    def unpack(cls, packed: bytes, stored_size: int) -> "XorbIndex":
        entries = list(_INDEX_ENTRY.iter_unpack(packed))
        return cls(tuple(e[0] for e in entries), tuple(e[1] for e in entries), tuple(e[2] for e in entries),
                   stored_size)


def read_record_header(body: bytes | memoryview, pos: int) -> tuple[int, int, int]:
    """(scheme, compressed length, uncompressed length) of the record at ``pos``."""
    if len(body) - pos < HEADER_SIZE:
        raise XorbFormatError(f"truncated chunk header at byte {pos}")
    version = body[pos]
    compressed = int.from_bytes(body[pos + 1:pos + 4], "little")
    scheme = body[pos + 4]
    unpacked = int.from_bytes(body[pos + 5:pos + 8], "little")
    if version != RECORD_VERSION:
        raise XorbFormatError(f"chunk at byte {pos} has header version {version}, expected {RECORD_VERSION}")
    if scheme not in (SCHEME_NONE, SCHEME_LZ4, SCHEME_BG4_LZ4):
        raise XorbFormatError(f"chunk at byte {pos} uses unknown compression scheme {scheme}")
    if unpacked == 0 or unpacked > MAX_CHUNK_BYTES:
        raise XorbFormatError(f"chunk at byte {pos} claims {unpacked} bytes (1..{MAX_CHUNK_BYTES} allowed)")
    if compressed == 0 or compressed > MAX_COMPRESSED_CHUNK_BYTES:
        raise XorbFormatError(f"chunk at byte {pos} has a compressed length of {compressed}")
    if scheme == SCHEME_NONE and compressed != unpacked:
        raise XorbFormatError(f"uncompressed chunk at byte {pos} stores {compressed} bytes for {unpacked}")
    if len(body) - pos - HEADER_SIZE < compressed:
        raise XorbFormatError(f"chunk at byte {pos} is truncated")
    return scheme, compressed, unpacked


def decode_chunk(scheme: int, payload: bytes | memoryview, unpacked: int, verified: bool = False) -> bytes | memoryview:
    """The chunk's original bytes; XorbFormatError when they do not decode to exactly ``unpacked`` bytes.

    ``verified`` chunks come from a stored xorb that was checked on upload, so they skip the bounded decoder."""
    if scheme == SCHEME_NONE:
        return payload
    data = lz4.frame.decompress(payload) if verified else _lz4_frame(payload, unpacked)
    return data if scheme == SCHEME_LZ4 else _ungroup4(data)


def _lz4_frame(payload: bytes | memoryview, unpacked: int) -> bytes:
    decompressor = lz4.frame.LZ4FrameDecompressor()
    try:
        # one byte of slack reveals a frame that expands to more than the header claims, without decoding a bomb
        data = decompressor.decompress(bytes(payload), max_length=unpacked + 1)
    except RuntimeError as error:
        raise XorbFormatError(f"chunk is not a valid LZ4 frame: {error}") from None
    if len(data) != unpacked or not decompressor.eof or decompressor.unused_data:
        raise XorbFormatError(f"LZ4 chunk does not decode to exactly the {unpacked} bytes its header claims")
    return data


def _ungroup4(grouped: bytes) -> bytes:
    """Undo byte grouping: the stream holds every 4th byte starting at 0, then at 1, 2 and 3."""
    n = len(grouped)
    src = np.frombuffer(grouped, dtype=np.uint8)
    out = np.empty(n, dtype=np.uint8)
    base, extra = divmod(n, 4)
    start = 0
    for group in range(4):
        size = base + (1 if group < extra else 0)
        out[group::4] = src[start:start + size]
        start += size
    return out.tobytes()


def iter_chunks(body: bytes | memoryview, verified: bool = False) -> Iterator[bytes | memoryview]:
    """Decode the chunk records of ``body`` in order (stored chunks come back as views into ``body``)."""
    body = memoryview(body)
    pos = 0
    while pos < len(body):
        scheme, compressed, unpacked = read_record_header(body, pos)
        start = pos + HEADER_SIZE
        yield decode_chunk(scheme, body[start:start + compressed], unpacked, verified)
        pos = start + compressed


def verify_xorb(body: bytes | mmap.mmap, expected_hex: str) -> XorbIndex:
    """Parse an uploaded footerless xorb, recompute every chunk hash and the xorb hash, and return its index.

    Raises XorbFormatError naming the first problem; the caller stores nothing in that case.
    """
    if len(body) > MAX_XORB_BODY_BYTES:
        raise XorbFormatError(f"xorb body of {len(body)} bytes exceeds the limit of {MAX_XORB_BODY_BYTES}")
    if bytes(body[:len(FOOTER_IDENT)]) == FOOTER_IDENT:
        raise XorbFormatError("xorb body starts with a footer; send the chunk records only")
    hashes: list[bytes] = []
    offsets: list[int] = []
    lengths: list[int] = []
    pos = 0
    total = 0
    while pos < len(body):
        if len(hashes) == MAX_XORB_CHUNKS:
            raise XorbFormatError(f"xorb holds more than {MAX_XORB_CHUNKS} chunks")
        scheme, compressed, unpacked = read_record_header(body, pos)
        start = pos + HEADER_SIZE
        try:
            data = decode_chunk(scheme, body[start:start + compressed], unpacked)
        except XorbFormatError as error:
            raise XorbFormatError(f"chunk {len(hashes)} at byte {pos}: {error}") from None
        total += unpacked
        if total > MAX_XORB_UNPACKED_BYTES:
            raise XorbFormatError(f"xorb holds more than {MAX_XORB_UNPACKED_BYTES} bytes of chunk data")
        hashes.append(hashing.chunk_hash(data))
        offsets.append(pos)
        lengths.append(unpacked)
        pos = start + compressed
    if not hashes:
        raise XorbFormatError("xorb holds no chunks")
    actual = hashing.to_hex(hashing.xorb_hash(list(zip(hashes, lengths))))
    if actual != expected_hex:
        raise XorbFormatError(f"xorb content hashes to {actual}, not {expected_hex}")
    return XorbIndex(tuple(hashes), tuple(offsets), tuple(lengths), len(body))
