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
# chunks are ~64 KiB; handing them on one by one would cost a thread hop each when streamed over HTTP
YIELD_BYTES = 1024 * 1024


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


class _LRU:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class XorbIndexCache(_LRU):
    """Stored xorbs never change, so their indexes are cached for the life of the process."""

    def __init__(self, capacity: int = 512):
        super().__init__(capacity)

    def load(self, session: Session, xorb_hash: str) -> xorb_format.XorbIndex | None:
        index = self.get(xorb_hash)
        if index is None:
            row = session.get(XetXorb, xorb_hash)
            if row is None:
                return None
            index = xorb_format.XorbIndex.unpack(row.chunk_index, row.stored_size)
            self.put(xorb_hash, index)
        return index


class XetContent:
    """Plans and streams Xet files; also the BlobStore source for blobs that exist only as Xet files."""

    def __init__(self, db, objects: ObjectStore):
        self.db = db
        self.objects = objects
        self.indexes = XorbIndexCache()
        self._plans = _LRU(256)  # by sha256: a reader of one blob asks for many ranges of it

    def forget_cached(self) -> None:
        """Drop cached plans and indexes (after gc removed some of what they describe)."""
        self.indexes.clear()
        self._plans.clear()

    def plan(self, session: Session, row: XetFile) -> FilePlan:
        terms = []
        for xorb_hash, start, end, _unpacked in row.terms:
            index = self.indexes.load(session, xorb_hash)
            if index is None:
                raise LookupError(f"xorb {xorb_hash} of file {row.file_hash} is missing")
            terms.append(TermPlan(xorb_hash, index, start, end))
        return FilePlan(row.file_hash, row.sha256, row.size, tuple(terms))

    def plan_for_sha256(self, sha256: str) -> FilePlan | None:
        with self.db.read() as session:
            row = session.scalars(select(XetFile).where(XetFile.sha256 == sha256).limit(1)).first()
            return self.plan(session, row) if row is not None else None

    def iter_file(self, plan: FilePlan, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (inclusive) of the file, in pieces of about YIELD_BYTES."""
        end = plan.size - 1 if end is None else min(end, plan.size - 1)
        pending = bytearray()
        for piece in self._iter_chunks(plan, start, end):
            pending += piece
            if len(pending) >= YIELD_BYTES:
                yield bytes(pending)
                pending.clear()
        if pending:
            yield bytes(pending)

    def _iter_chunks(self, plan: FilePlan, start: int, end: int) -> Iterator[bytes]:
        offset = 0
        for term in plan.terms:
            term_end = offset + term.size
            if term_end > start and offset <= end:
                yield from self._iter_term(term, offset, start, end)
            offset = term_end
            if offset > end:
                break

    def _iter_term(self, term: TermPlan, offset: int, start: int, end: int) -> Iterator[bytes]:
        index = term.index
        first = term.start
        while offset + index.lengths[first] <= start:  # skip whole chunks before the range
            offset += index.lengths[first]
            first += 1
        while first < term.end and offset <= end:
            # read a window of consecutive records, stopping at the last chunk the range needs
            last = first + 1
            reach = offset + index.lengths[first]
            while last < term.end and reach <= end and index.offsets[last] - index.offsets[first] < READ_WINDOW:
                reach += index.lengths[last]
                last += 1
            byte_start, byte_end = index.byte_span(first, last)
            body = b"".join(self.objects.iter_range(xorb_key(term.xorb), byte_start, byte_end))
            for data in xorb_format.iter_chunks(body, verified=True):
                piece_start = max(start - offset, 0)
                piece_end = min(end - offset + 1, len(data))
                yield data if (piece_start, piece_end) == (0, len(data)) else data[piece_start:piece_end]
                offset += len(data)
            first = last

    # BlobStore source: blobs uploaded through Xet have no object under their sha256

    def size(self, sha256: str) -> int | None:
        with self.db.read() as session:
            return session.scalar(select(XetFile.size).where(XetFile.sha256 == sha256).limit(1))

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        plan = self._plans.get(sha256)
        if plan is None:
            plan = self.plan_for_sha256(sha256)
            if plan is None:
                raise FileNotFoundError(f"no Xet file has sha256 {sha256}")
            self._plans.put(sha256, plan)
        return self.iter_file(plan, start, end)
