"""Object stores: where bytes live. A local folder by default, any S3-compatible service when configured.

Keys are opaque strings (``sha256/ab/cd/<hex>``, later ``xorbs/...``). Every ``put`` is atomic: a reader
sees the whole object or nothing, so a crash mid-write never leaves a partial object visible.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol
from urllib.parse import unquote, urlparse

CHUNK = 1024 * 1024


class ObjectStore(Protocol):
    def put_file(self, key: str, source: Path) -> None:
        """Store the file at ``source`` under ``key``, consuming it (it may be moved)."""

    def open(self, key: str) -> BinaryIO: ...

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive, in chunks."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> Iterator[str]: ...

    def local_path(self, key: str) -> Path | None:
        """The object's file, when the store is a local folder (lets the server use sendfile)."""

    def download_url(self, key: str, expires_in: int) -> str | None:
        """A short-lived URL where clients fetch the object directly, when the store offers one."""


class FolderStore:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / key

    def put_file(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(source, target)  # atomic within one file system; the temp folder sits beside the store
        _fsync_dir(target.parent)

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        with self.open(key) as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix)
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    yield path.relative_to(self.root).as_posix()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def download_url(self, key: str, expires_in: int) -> str | None:
        return None


class S3Store:
    """An S3-protocol bucket; endpoint and credentials come from the usual AWS variables."""

    def __init__(self, bucket: str, prefix: str = ""):
        import boto3  # the s3 extra; only needed when configured

        self.client = boto3.client("s3")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put_file(self, key: str, source: Path) -> None:
        # an S3 object becomes visible only once its upload completes, so a crash leaves nothing behind
        self.client.upload_file(str(source), self.bucket, self._key(key))
        source.unlink()

    def open(self, key: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{end}")["Body"]
        yield from body.iter_chunks(CHUNK)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def size(self, key: str) -> int:
        return self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]

    def local_path(self, key: str) -> Path | None:
        return None

    def download_url(self, key: str, expires_in: int) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)}, ExpiresIn=expires_in
        )


def open_store(url: str) -> ObjectStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FolderStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        return S3Store(parsed.netloc, parsed.path)
    raise ValueError(f"unsupported storage URL {url!r}: use file:///folder or s3://bucket/prefix")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
