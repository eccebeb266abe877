"""Xorbs and shards built the way a Xet client builds them, so tests can send well-formed objects and
then break them one field at a time. Chunks are cut at fixed sizes: the hub never chunks, it only checks
hashes, so boundaries are the client's business."""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import lz4.frame

from aicommons.xet import hashing, shard, tokens, xet_service, xorb


def split(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def record(chunk: bytes, scheme: int = xorb.SCHEME_NONE) -> bytes:
    if scheme == xorb.SCHEME_NONE:
        payload = chunk
    elif scheme == xorb.SCHEME_LZ4:
        payload = lz4.frame.compress(chunk)
    else:
        grouped = b"".join(chunk[k::4] for k in range(4))
        payload = lz4.frame.compress(grouped)
    return bytes([0]) + len(payload).to_bytes(3, "little") + bytes([scheme]) + len(chunk).to_bytes(3, "little") + payload


@dataclass
class BuiltXorb:
    body: bytes
    hash: bytes
    chunks: list[bytes]

    @property
    def hex(self) -> str:
        return hashing.to_hex(self.hash)

    @property
    def chunk_hashes(self) -> list[bytes]:
        return [hashing.chunk_hash(c) for c in self.chunks]


def build_xorb(chunks: list[bytes], scheme: int = xorb.SCHEME_NONE) -> BuiltXorb:
    body = b"".join(record(c, scheme) for c in chunks)
    digest = hashing.xorb_hash([(hashing.chunk_hash(c), len(c)) for c in chunks])
    return BuiltXorb(body, digest, chunks)


@dataclass
class FileTerm:
    xorb: BuiltXorb
    start: int
    end: int

    @property
    def data(self) -> bytes:
        return b"".join(self.xorb.chunks[self.start:self.end])


def file_hash_of(terms: list[FileTerm]) -> bytes:
    nodes = [(hashing.chunk_hash(c), len(c)) for t in terms for c in t.xorb.chunks[t.start:t.end]]
    return hashing.file_hash(nodes)


def file_block(terms: list[FileTerm], *, file_hash: bytes | None = None, sha256: bytes | None = None,
               verification: list[bytes] | None = None, unpacked: list[int] | None = None,
               with_verification: bool = True) -> bytes:
    """One file section of a shard; every keyword overrides what a correct client would send."""
    content = b"".join(t.data for t in terms)
    file_hash = file_hash_of(terms) if file_hash is None else file_hash
    sha256 = hashing.from_hex(hashlib.sha256(content).hexdigest()) if sha256 is None else sha256
    flags = shard.FLAG_METADATA_EXT | (shard.FLAG_VERIFICATION if with_verification else 0)
    out = struct.pack("<32sII8x", file_hash, flags, len(terms))
    for number, term in enumerate(terms):
        length = unpacked[number] if unpacked else len(term.data)
        out += struct.pack("<32sIIII", term.xorb.hash, 0, length, term.start, term.end)
    if with_verification:
        for number, term in enumerate(terms):
            proof = verification[number] if verification else hashing.verification_hash(
                term.xorb.chunk_hashes[term.start:term.end])
            out += struct.pack("<32s16x", proof)
    out += struct.pack("<32s16x", sha256)
    return out


def build_shard(file_blocks: list[bytes], new_xorbs: list[BuiltXorb] = ()) -> bytes:
    out = struct.pack("<32sQQ", shard.TAG, shard.HEADER_VERSION, 0)
    out += b"".join(file_blocks) + shard.BOOKEND
    for built in new_xorbs:
        out += struct.pack("<32sIIII", built.hash, 0, len(built.chunks), sum(map(len, built.chunks)), 0)
        offset = 0
        for chunk in built.chunks:
            out += struct.pack("<32sII8x", hashing.chunk_hash(chunk), offset, len(chunk))
            offset += len(chunk)
    return out + shard.BOOKEND


def upload(hub, repo, terms: list[FileTerm]) -> str:
    """Upload a file through the Xet service as hf_xet would (new xorbs, then the shard); its sha256."""
    service = xet_service(hub)
    grant = tokens.XetGrant(repo.id, tokens.WRITE, None, None, 0)
    for built in {id(t.xorb): t.xorb for t in terms}.values():
        fd, name = tempfile.mkstemp(dir=hub.blobs.tmp_dir, prefix="upload-", suffix=".part")
        os.write(fd, built.body)
        os.close(fd)
        service.store_xorb(grant, built.hex, Path(name))
    service.register_shard(grant, build_shard([file_block(terms)]))
    return hashlib.sha256(b"".join(t.data for t in terms)).hexdigest()
