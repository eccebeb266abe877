"""Both blob backends: verified ingest, ranges, and nothing stored when a check fails."""

import hashlib

import pytest

from aicommons.errors import InvalidInput
from aicommons.storage.blobs import BlobStore
from aicommons.storage.objects import FolderStore, S3Store


@pytest.fixture(params=["folder", pytest.param("s3", marks=pytest.mark.scaleout)])
def blobs(request, tmp_path, monkeypatch):
    if request.param == "folder":
        return BlobStore(FolderStore(tmp_path / "blobs"), tmp_path / "tmp")
    s3 = request.getfixturevalue("s3_server")
    for key, value in s3.environment().items():
        monkeypatch.setenv(key, value)
    bucket = f"blobs-{abs(hash(str(tmp_path))) % 10**8}"
    s3.create_bucket(bucket)
    return BlobStore(S3Store(bucket, "prefix"), tmp_path / "tmp")


def test_ingest_hashes_and_reads_back(blobs):
    data = b"0123456789" * 100_000
    stored = blobs.ingest([data[:123], data[123:]], expected_size=len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert stored.git_oid == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    assert blobs.read(stored.sha256) == data
    assert b"".join(blobs.iter_range(stored.sha256, 10, 29)) == data[10:30]
    assert list(blobs.all_sha256()) == [stored.sha256]
    again = blobs.ingest_bytes(data)
    assert again.sha256 == stored.sha256 and list(blobs.all_sha256()) == [stored.sha256]


@pytest.mark.parametrize("checks,field", [
    ({"expected_sha256": "0" * 64}, "oid"),
    ({"expected_size": 5}, "size"),
    ({"expected_size": 500}, "size"),
    ({"max_size": 10}, "size"),
])
def test_failed_checks_store_nothing(blobs, tmp_path, checks, field):
    with pytest.raises(InvalidInput) as error:
        blobs.ingest([b"x" * 50, b"y" * 50], **checks)
    assert error.value.field == field
    assert list(blobs.all_sha256()) == []
    assert list((tmp_path / "tmp").iterdir()) == []
