"""Reading Xet content back: a file's bytes are its terms' chunks, decoded from stored xorb ranges.

This is how a file uploaded through Xet is served over plain HTTP and read by the rest of the hub (cards,
scanners): the hub keeps only the xorbs, never a second whole copy, so a new version that changes one
tensor costs the bytes of that tensor.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.storage.objects import ObjectStore
from aicommons.xet import xorb as xorb_format
from aicommons.xet.tables import XetFile, XetXorb

# stored bytes fetched per read: large enough to amortise a round trip to S3, small enough to bound memory
READ_WINDOW = 8 * 1024 * 1024


def xorb_key(xorb_hash: str) -> str:
    return f"xorbs/{xorb_hash[:2]}/{xorb_hash}"


@dataclass(frozen=True)
class TermPlan:
    xorb: str
    index: xorb_format.XorbIndex
    start: int
    end: int  # exclusive

    @property
    def size(self) -> int:
        return sum(self.index.lengths[self.start:self.end])


@dataclass(frozen=True)
class FilePlan:
    """A file's terms with the index of each xorb they read from."""

    file_hash: str
    sha256: str
    size: int
    terms: tuple[TermPlan, ...]


class XorbIndexCache:
    """Stored xorbs never change, so their indexes are cached for the life of the process."""

    def __init__(self, capacity: int = 512):
        self.capacity = capacity
        self._items: OrderedDict[str, xorb_format.XorbIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, xorb_hash: str) -> xorb_format.XorbIndex | None:
        with self._lock:
            if xorb_hash in self._items:
                self._items.move_to_end(xorb_hash)
                return self._items[xorb_hash]
        row = session.get(XetXorb, xorb_hash)
        if row is None:
            return None
        index = xorb_format.XorbIndex.unpack(row.chunk_index, row.stored_size)
        self.put(xorb_hash, index)
        return index

    def put(self, xorb_hash: str, index: xorb_format.XorbIndex) -> None:
        with self._lock:
            self._items[xorb_hash] = index
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def forget(self, xorb_hash: str) -> None:
        with self._lock:
            self._items.pop(xorb_hash, None)


class XetContent:
    """Plans and streams Xet files; also the BlobStore source for blobs that exist only as Xet files."""

    def __init__(self, db, objects: ObjectStore):
        self.db = db
        self.objects = objects
        self.indexes = XorbIndexCache()

    def plan(self, session: Session, row: XetFile) -> FilePlan:
        terms = []
        for xorb_hash, start, end, _unpacked in row.terms:
            index = self.indexes.get(session, xorb_hash)
            if index is None:
                raise LookupError(f"xorb {xorb_hash} of file {row.file_hash} is missing")
            terms.append(TermPlan(xorb_hash, index, start, end))
        return FilePlan(row.file_hash, row.sha256, row.size, tuple(terms))

    def plan_for_sha256(self, sha256: str) -> FilePlan | None:
        with self.db.read() as session:
            row = session.scalars(select(XetFile).where(XetFile.sha256 == sha256).limit(1)).first()
            return self.plan(session, row) if row is not None else None

    def iter_file(self, plan: FilePlan, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (inclusive) of the file, decoded chunk by chunk."""
        end = plan.size - 1 if end is None else min(end, plan.size - 1)
        offset = 0
        for term in plan.terms:
            term_end = offset + term.size
            if term_end > start and offset <= end:
                yield from self._iter_term(term, offset, start, end)
            offset = term_end
            if offset > end:
                break

    def _iter_term(self, term: TermPlan, offset: int, start: int, end: int) -> Iterator[bytes]:
        lengths = term.index.lengths
        first = term.start
        while offset + lengths[first] <= start:  # skip whole chunks before the range
            offset += lengths[first]
            first += 1
        while first < term.end and offset <= end:
            last = first + 1
            window = term.index.record_end(first) - term.index.offsets[first]
            while last < term.end and window < READ_WINDOW:
                window += term.index.record_end(last) - term.index.offsets[last]
                last += 1
            byte_start, byte_end = term.index.byte_span(first, last)
            body = b"".join(self.objects.iter_range(xorb_key(term.xorb), byte_start, byte_end))
            for data in xorb_format.iter_chunks(body):
                piece_start = max(start - offset, 0)
                piece_end = min(end - offset + 1, len(data))
                if piece_start < piece_end:
                    yield data[piece_start:piece_end] if (piece_start, piece_end) != (0, len(data)) else data
                offset += len(data)
                if offset > end:
                    return
            first = last

    # BlobStore source: blobs uploaded through Xet have no object under their sha256

    def size(self, sha256: str) -> int | None:
        with self.db.read() as session:
            return session.scalar(select(XetFile.size).where(XetFile.sha256 == sha256).limit(1))

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        plan = self.plan_for_sha256(sha256)
        if plan is None:
            raise FileNotFoundError(f"no Xet file has sha256 {sha256}")
        return self.iter_file(plan, start, end)
