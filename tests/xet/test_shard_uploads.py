"""Shard uploads: a file is registered only when every hash checks out against the stored xorbs, and then it
is an ordinary blob of the repo (readable, committable by sha256)."""

from __future__ import annotations

import hashlib
import os
import struct

import pytest
from sqlalchemy import func, select

from aicommons.repos.commit import AddBlob, commit
from aicommons.repos.objects import Signature
from aicommons.repos.reading import snapshot
from aicommons.storage.tables import Blob, RepoBlob
from aicommons.xet import hashing, xorb
from aicommons.xet.tables import XetFile
from tests.xet.builders import FileTerm, build_shard, build_xorb, file_block, split


@pytest.fixture
def stored(writer):
    """Two uploaded xorbs: random bytes, and byte-grouped floats."""
    first = build_xorb(split(os.urandom(300_000)))
    import numpy as np

    floats = np.linspace(0, 1, 60_000, dtype="float32").tobytes()
    second = build_xorb(split(floats, 48_000), xorb.SCHEME_BG4_LZ4)
    for built in (first, second):
        assert writer.post_xorb(built.hex, built.body).status_code == 200
    return first, second


def _files(hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(XetFile))


def test_a_file_spanning_xorbs_becomes_a_blob_of_the_repo(hub, writer, stored, model):
    first, second = stored
    terms = [FileTerm(first, 1, 4), FileTerm(second, 0, 5), FileTerm(first, 0, 1)]
    content = b"".join(t.data for t in terms)
    answer = writer.post_shard(build_shard([file_block(terms)], [first, second]))
    assert answer.status_code == 200 and answer.json() == {"result": 1}
    sha256 = hashlib.sha256(content).hexdigest()
    assert hub.blobs.read(sha256) == content
    with hub.blobs.open(sha256) as handle:
        handle.seek(len(content) - 100_000)
        assert handle.read(50_000) == content[-100_000:-50_000]
    with hub.db.read() as session:
        assert session.get(RepoBlob, (model.id, sha256)) is not None
        assert session.get(XetFile, hashing.to_hex(hashing.file_hash(
            [(hashing.chunk_hash(c), len(c)) for t in terms for c in t.xorb.chunks[t.start:t.end]]))).sha256 == sha256
    result = commit(hub, model, [AddBlob("weights.bin", sha256, len(content))], author=Signature("a", "a@x"),
                    message="add weights")
    assert snapshot(hub, model, result.oid).files["weights.bin"].sha256 == sha256
    again = writer.post_shard(build_shard([file_block(terms)]))
    assert again.status_code == 200 and again.json() == {"result": 0}


def _bad_shards(first, second):
    terms = [FileTerm(first, 0, 3)]
    good = file_block(terms)
    zero = bytes(32)
    missing = build_xorb([b"never uploaded"])
    yield "xorb never uploaded", build_shard([file_block([FileTerm(missing, 0, 1)])]), "never uploaded"
    yield "verification hash", build_shard([file_block(terms, verification=[zero])]), "verification hash"
    yield "file hash", build_shard([file_block(terms, file_hash=zero)]), "not the one it names"
    yield "unpacked bytes", build_shard([file_block(terms, unpacked=[5])]), "claims 5 bytes"
    yield "sha256 claim", build_shard([file_block(terms, sha256=b"\x01" * 32)]), "claims sha256"
    yield "chunk range", build_shard([file_block([FileTerm(first, 2, 9)])]), "of a xorb that has 5"
    yield "no verification", build_shard([file_block(terms, with_verification=False)]), "no verification entries"
    yield "truncated", build_shard([good])[:-60], "truncated"
    yield "trailing bytes", build_shard([good]) + b"x", "unexpected bytes"
    yield "wrong tag", b"X" + build_shard([good])[1:], "wrong header tag"
    yield "footer", build_shard([good])[:40] + struct.pack("<Q", 200) + build_shard([good])[48:], "footer"
    yield "one good one bad", build_shard([good, file_block([FileTerm(second, 0, 2)], file_hash=zero)]), "file 1"


def test_bad_shards_are_rejected_and_register_nothing(hub, writer, stored, model):
    for label, body, message in _bad_shards(*stored):
        answer = writer.post_shard(body)
        assert answer.status_code == 400, (label, answer.text)
        assert message in answer.json()["error"], label
    assert _files(hub) == 0
    with hub.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Blob).where(Blob.git_oid.is_(None))) == 0


def test_a_read_token_cannot_upload(reader, stored):
    first, _ = stored
    assert reader.post_shard(build_shard([file_block([FileTerm(first, 0, 1)])])).status_code == 403
    assert reader.post_xorb(first.hex, first.body).status_code == 403


def test_empty_shard_is_accepted(writer):
    answer = writer.post_shard(build_shard([]))
    assert answer.status_code == 200 and answer.json() == {"result": 0}

