"""Xorb uploads: only well-formed xorbs whose chunks hash to the name they were sent under are stored."""

from __future__ import annotations

import os

import lz4.frame
import pytest
from sqlalchemy import func, select

from aicommons.xet import hashing, xorb
from aicommons.xet.content import xorb_key
from aicommons.xet.tables import XetXorb
from tests.xet.builders import build_xorb, split


def _stored(hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(XetXorb))


def test_a_valid_xorb_is_stored_once(hub, writer):
    built = build_xorb(split(os.urandom(200_000)))
    first = writer.post_xorb(built.hex, built.body)
    assert first.status_code == 200 and first.json() == {"was_inserted": True}
    again = writer.post_xorb(built.hex, built.body)
    assert again.status_code == 200 and again.json() == {"was_inserted": False}
    assert hub.blobs.objects.exists(xorb_key(built.hex)) and _stored(hub) == 1


@pytest.mark.parametrize("scheme", [xorb.SCHEME_LZ4, xorb.SCHEME_BG4_LZ4])
def test_compressed_chunks_are_decoded_and_checked(hub, writer, scheme):
    text = b"".join(b"row %d of a compressible table\n" % i for i in range(20_000))
    built = build_xorb(split(text, 50_000), scheme)
    assert len(built.body) < len(text)
    answer = writer.post_xorb(built.hex, built.body)
    assert answer.status_code == 200, answer.text


def _flip(body: bytes, position: int) -> bytes:
    return body[:position] + bytes([body[position] ^ 1]) + body[position + 1:]


def _raw_record(payload: bytes, scheme: int, unpacked: int) -> bytes:
    return bytes([0]) + len(payload).to_bytes(3, "little") + bytes([scheme]) + unpacked.to_bytes(3, "little") + payload


def _bad_xorbs():
    chunks = split(os.urandom(150_000))
    good = build_xorb(chunks)
    text = build_xorb(split(b"abc" * 60_000), xorb.SCHEME_LZ4)
    bomb = lz4.frame.compress(bytes(300_000))
    lie = lz4.frame.compress(bytes(2000))
    yield "flipped payload byte", good.hex, _flip(good.body, 1000), "hashes to"
    yield "wrong path hash", hashing.to_hex(bytes(32)), good.body, "hashes to"
    yield "truncated", good.hex, good.body[:-10], "truncated"
    yield "trailing partial header", good.hex, good.body + b"\x00\x01", "truncated chunk header"
    yield "unknown scheme", good.hex, good.body[:4] + b"\x07" + good.body[5:], "unknown compression scheme"
    yield "bad record version", good.hex, b"\x01" + good.body[1:], "header version"
    yield "footer sent", good.hex, b"XETBLOB" + good.body, "footer"
    yield "empty body", good.hex, b"", "no chunks"
    yield "corrupt lz4 frame", text.hex, _flip(text.body, 12), ""
    yield "lz4 decodes to more than its header says", good.hex, _raw_record(lie, xorb.SCHEME_LZ4, 1000), "exactly"
    yield "decompression bomb", good.hex, _raw_record(bomb, xorb.SCHEME_LZ4, 1000), "exactly"
    yield "not hex", "zz" * 32, good.body, "hex"


def test_bad_xorbs_are_rejected_and_nothing_is_stored(hub, writer):
    for label, path_hash, body, message in _bad_xorbs():
        answer = writer.post_xorb(path_hash, body)
        assert answer.status_code == 400, (label, answer.status_code, answer.text)
        assert message in answer.json()["error"], label
    assert _stored(hub) == 0
    assert list(hub.blobs.objects.keys("xorbs/")) == []


def test_too_many_chunks_are_refused(hub, writer):
    built = build_xorb([bytes([i % 256]) * 8 for i in range(xorb.MAX_XORB_CHUNKS + 1)])
    answer = writer.post_xorb(built.hex, built.body)
    assert answer.status_code == 400 and "more than 8192 chunks" in answer.json()["error"]
