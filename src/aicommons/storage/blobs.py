"""Content-addressed blobs: bytes are hashed while they stream in and stored only once verified."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from aicommons.errors import InvalidInput
from aicommons.storage.objects import CHUNK, ObjectStore


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    git_oid: str | None  # known when the size was known before the bytes arrived


def blob_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore:
    def __init__(self, objects: ObjectStore, tmp_dir: Path):
        self.objects = objects
        self.tmp_dir = tmp_dir
        tmp_dir.mkdir(parents=True, exist_ok=True)

    def ingest(
        self,
        chunks: Iterable[bytes],
        expected_sha256: str | None = None,
        expected_size: int | None = None,
        max_size: int | None = None,
    ) -> StoredBlob:
        """Stream bytes to a temp file while hashing, check them against what the sender announced,
        then move them into place atomically. Nothing is stored when a check fails."""
        sha256 = hashlib.sha256()
        git = hashlib.sha1(f"blob {expected_size}\0".encode()) if expected_size is not None else None
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if expected_size is not None and size > expected_size:
                        raise InvalidInput("size", f"received more than the announced {expected_size} bytes")
                    if max_size is not None and size > max_size:
                        raise InvalidInput("size", f"file is larger than the limit of {max_size} bytes")
                    sha256.update(chunk)
                    if git:
                        git.update(chunk)
                    out.write(chunk)
            digest = sha256.hexdigest()
            if expected_size is not None and size != expected_size:
                raise InvalidInput("size", f"received {size} bytes but {expected_size} were announced")
            if expected_sha256 is not None and digest != expected_sha256.lower():
                raise InvalidInput("oid", f"content hashes to sha256 {digest}, not the announced {expected_sha256}")
            key = blob_key(digest)
            if self.objects.exists(key):
                tmp.unlink()
            else:
                self.objects.put_file(key, tmp)
            return StoredBlob(digest, size, git.hexdigest() if git else None)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def ingest_bytes(self, data: bytes) -> StoredBlob:
        return self.ingest([data], expected_size=len(data))

    def ingest_file(self, stream: BinaryIO, **checks) -> StoredBlob:
        return self.ingest(iter(lambda: stream.read(CHUNK), b""), **checks)

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(blob_key(sha256))

    def open(self, sha256: str) -> BinaryIO:
        return self.objects.open(blob_key(sha256))

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        return self.objects.iter_range(blob_key(sha256), start, end)

    def local_path(self, sha256: str) -> Path | None:
        return self.objects.local_path(blob_key(sha256))

    def download_url(self, sha256: str, expires_in: int) -> str | None:
        return self.objects.download_url(blob_key(sha256), expires_in)

    def delete(self, sha256: str) -> None:
        self.objects.delete(blob_key(sha256))

    def all_sha256(self) -> Iterator[str]:
        for key in self.objects.keys("sha256/"):
            yield key.rsplit("/", 1)[-1]

    def clean_stale_uploads(self, older_than_seconds: float = 24 * 3600) -> int:
        """Remove temp files left by crashed uploads (never visible as blobs)."""
        import time

        removed = 0
        for path in self.tmp_dir.glob("upload-*.part"):
            if time.time() - path.stat().st_mtime > older_than_seconds:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
