"""Xet hashes: chunk, merkle node, xorb, file and verification (range) hashes.

Every hash is 32 raw bytes of keyed blake3. On the wire (URLs, JSON, headers) Xet writes a hash in its own
hex form, which reads each 8-byte group as a little-endian u64; inside xorbs and shards the raw bytes are kept.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from blake3 import blake3

DATA_KEY = bytes([102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28,
                  157, 228, 33, 16, 155, 235, 43, 88, 180, 208, 176, 75, 147, 173, 242, 41])
INTERNAL_NODE_KEY = bytes([1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138, 2, 230,
                           93, 221, 83, 111, 55, 199, 109, 210, 248, 99, 82, 230, 74, 83, 113, 63])
VERIFICATION_KEY = bytes([127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165, 195, 243,
                          164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40, 251, 148, 195])
FILE_KEY = bytes(32)
EMPTY_HASH = bytes(32)

# a merkle level is cut into groups of 2 to 9 nodes; a node whose hash ends in a multiple of 4 closes a group
MIN_GROUP = 2
MAX_GROUP = 9
GROUP_CUT_MODULUS = 4

Node = tuple[bytes, int]  # (hash, byte size of the data below it)


def to_hex(raw: bytes) -> str:
    return "".join(f"{int.from_bytes(raw[i:i + 8], 'little'):016x}" for i in range(0, 32, 8))


def from_hex(text: str) -> bytes:
    """Parse a Xet hex hash; ValueError unless it is exactly 64 hex digits."""
    if len(text) != 64 or text.strip("0123456789abcdefABCDEF"):
        raise ValueError(f"not a 64-digit hex hash: {text[:80]!r}")
    return b"".join(int(text[i:i + 16], 16).to_bytes(8, "little") for i in range(0, 64, 16))


def is_hex_hash(text: str) -> bool:
    return len(text) == 64 and not text.strip("0123456789abcdef")


def chunk_hash(data: bytes | memoryview) -> bytes:
    return blake3(data, key=DATA_KEY).digest()


def merkle_root(leaves: Sequence[Node]) -> bytes:
    """The Xet aggregated hash over (hash, size) leaves: not a binary tree, but levels cut into
    content-defined groups of 2-9 nodes, each replaced by the keyed hash of its children's text form."""
    if not leaves:
        return EMPTY_HASH
    level = list(leaves)
    while len(level) > 1:
        merged = []
        start = 0
        while start < len(level):
            size = _group_size(level, start)
            merged.append(_merge(level[start:start + size]))
            start += size
        level = merged
    return level[0][0]


def _group_size(level: Sequence[Node], start: int) -> int:
    remaining = len(level) - start
    if remaining <= MIN_GROUP:
        return remaining
    limit = min(MAX_GROUP, remaining)
    for k in range(MIN_GROUP, limit):
        if int.from_bytes(level[start + k][0][24:32], "little") % GROUP_CUT_MODULUS == 0:
            return k + 1
    return limit


def _merge(group: Sequence[Node]) -> Node:
    text = "".join(f"{to_hex(h)} : {size}\n" for h, size in group).encode()
    return blake3(text, key=INTERNAL_NODE_KEY).digest(), sum(size for _, size in group)


def xorb_hash(chunks: Sequence[Node]) -> bytes:
    return merkle_root(chunks)


def file_hash(chunks: Sequence[Node]) -> bytes:
    """A file's id: the root over all its chunks in order, hashed once more with an all-zero key."""
    if not chunks:
        return EMPTY_HASH
    return blake3(merkle_root(chunks), key=FILE_KEY).digest()


def verification_hash(chunk_hashes: Iterable[bytes]) -> bytes:
    """Proof that a shard's author knew the hashes of the xorb chunks a file term uses."""
    return blake3(b"".join(chunk_hashes), key=VERIFICATION_KEY).digest()


def keyed_hash(raw: bytes, key: bytes) -> bytes:
    """A hash protected by a key (the chunk hashes of a dedup answer): matchable only by who knows ``raw``."""
    return blake3(raw, key=key).digest()


def sha256_from_shard(raw: bytes) -> str:
    """The standard sha256 hex digest of a shard's FileMetadataExt field (stored in hash byte order)."""
    return to_hex(raw)
