"""Sending a blob, whole or one byte range, without ever holding it in memory.

A blob in a local folder is memory-mapped and sent in slices: the socket write copies straight from the
page cache, with no read into a Python buffer and no thread hop per chunk, which keeps the server's CPU
cost per byte a fraction of a read-and-write loop. Readahead is requested for the next slice while the
current one goes out, so a cold file does not stall the event loop on disk reads. Blobs are immutable
and replaced atomically, so a mapping never sees a file change under it.
"""

from __future__ import annotations

import mmap
import os
import re
from pathlib import Path
from urllib.parse import quote

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

SLICE_BYTES = 4 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    pass


def requested_span(range_header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte span of a single ``Range``, or None for the whole file (no range, or several
    ranges, which a server may answer with the whole content). Raises RangeNotSatisfiable past the end."""
    match = _RANGE.match((range_header or "").replace(" ", ""))
    if not match or not any(match.groups()):
        return None
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # a suffix: the last N bytes
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable()
    return start, end


def content_disposition(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    fallback = name.encode("ascii", "replace").decode().replace('"', "_")
    return f"inline; filename*=UTF-8''{quote(name)}; filename=\"{fallback}\""


class MappedFileResponse(Response):
    """Bytes ``start``..``end`` (inclusive) of a local file, sent as slices of a memory map."""

    def __init__(self, path: Path, start: int, end: int, status_code: int, headers: dict, media_type: str):
        super().__init__(status_code=status_code, headers=headers, media_type=media_type)
        self.path, self.start, self.end = path, start, end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        with open(self.path, "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            view = memoryview(mapped)  # kept alive by the transport until each slice is written
            os.posix_fadvise(handle.fileno(), self.start, self.end + 1 - self.start, os.POSIX_FADV_SEQUENTIAL)
            for offset in range(self.start, self.end + 1, SLICE_BYTES):
                stop = min(offset + SLICE_BYTES, self.end + 1)
                if stop <= self.end:
                    os.posix_fadvise(handle.fileno(), stop, SLICE_BYTES, os.POSIX_FADV_WILLNEED)
                await send({"type": "http.response.body", "body": view[offset:stop], "more_body": stop <= self.end})

