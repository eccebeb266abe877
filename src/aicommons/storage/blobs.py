"""Content-addressed blobs: bytes are hashed while they stream in and stored only once verified."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Protocol

from aicommons.errors import InvalidInput
from aicommons.storage.objects import CHUNK, ObjectStore


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    git_oid: str | None  # known when the size was known before the bytes arrived


class ContentSource(Protocol):
    """Another home for blob content, consulted when no object is stored under the sha256
    (files uploaded through Xet live in xorbs and are reassembled on read)."""

    def size(self, sha256: str) -> int | None:
        """The content's size, or None when this source does not hold it."""

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive, in chunks."""


def blob_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore:
    def __init__(self, objects: ObjectStore, tmp_dir: Path):
        self.objects = objects
        self.tmp_dir = tmp_dir
        self.sources: list[ContentSource] = []
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

    def add_source(self, source: ContentSource) -> None:
        self.sources.append(source)

    def _from_source(self, sha256: str) -> tuple[ContentSource, int] | None:
        for source in self.sources:
            size = source.size(sha256)
            if size is not None:
                return source, size
        return None

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(blob_key(sha256)) or self._from_source(sha256) is not None

    def open(self, sha256: str) -> BinaryIO:
        key = blob_key(sha256)
        if self.sources and not self.objects.exists(key):
            found = self._from_source(sha256)
            if found is not None:
                return io.BufferedReader(_SourceReader(found[0], sha256, found[1]), buffer_size=CHUNK)
        return self.objects.open(key)

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        key = blob_key(sha256)
        if self.sources and not self.objects.exists(key):
            found = self._from_source(sha256)
            if found is not None:
                return found[0].iter_range(sha256, start, end)
        return self.objects.iter_range(key, start, end)

    def local_path(self, sha256: str) -> Path | None:
        """The blob's file when it is stored whole in a local folder (for sendfile); None otherwise."""
        path = self.objects.local_path(blob_key(sha256))
        return path if path is not None and path.is_file() else None

    def download_url(self, sha256: str, expires_in: int) -> str | None:
        key = blob_key(sha256)
        if self.sources and not self.objects.exists(key):
            return None  # reassembled by a source on each read: no object to send the client to
        return self.objects.download_url(key, expires_in)

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


class _SourceReader(io.RawIOBase):
    """A seekable file over a content source, so readers of blobs need not know where bytes live."""

    def __init__(self, source: ContentSource, sha256: str, size: int):
        self.source = source
        self.sha256 = sha256
        self.size = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(base + offset, 0)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readall(self) -> bytes:
        data = b"".join(self.source.iter_range(self.sha256, self.pos, self.size - 1)) if self.pos < self.size else b""
        self.pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        end = min(self.pos + len(buffer), self.size)
        if end <= self.pos:
            return 0
        view = memoryview(buffer).cast("B")
        filled = 0
        for piece in self.source.iter_range(self.sha256, self.pos, end - 1):
            view[filled:filled + len(piece)] = piece
            filled += len(piece)
        self.pos += filled
        return filled
