"""The Xet content-addressed store (CAS) the hub serves: xorb and shard uploads, file reconstructions and
the global dedup query. Nothing a client sends is stored or referenced before it is verified."""

from __future__ import annotations

import hashlib
import mmap
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicommons.errors import Forbidden, HubError, InvalidInput, NotFound
from aicommons.repos.commit import grant_blob
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import RepoBlob
from aicommons.xet import hashing, shard as shard_format, xorb as xorb_format
from aicommons.xet.content import FilePlan, TermPlan, XetContent, xorb_key
from aicommons.xet.tables import XetDedupChunk, XetFile, XetFileXorb, XetXorb
from aicommons.xet.tokens import WRITE, XetGrant

DEDUP_ELIGIBLE_MODULUS = 1024  # a chunk whose hash ends in a multiple of this may be asked about
DEDUP_ANSWER_MAX_XORBS = 32
DEDUP_ANSWER_VALID_SECONDS = 7 * 24 * 3600


class RangeNotSatisfiable(HubError):
    """A reconstruction was asked for bytes beyond the end of the file."""


@dataclass(frozen=True)
class FetchRange:
    xorb: str
    chunk_start: int
    chunk_end: int  # exclusive
    byte_start: int
    byte_end: int  # inclusive, in the stored xorb body


@dataclass(frozen=True)
class Reconstruction:
    offset_into_first_range: int
    terms: tuple[tuple[str, int, int, int], ...]  # (xorb, unpacked length, chunk start, chunk end)
    fetches: tuple[FetchRange, ...]


@dataclass(frozen=True)
class _VerifiedFile:
    file_hash: str
    sha256: str
    size: int
    terms: tuple[TermPlan, ...]
    known: bool  # already registered: its bytes were hashed when it first arrived


class XetService:
    def __init__(self, hub):
        self.hub = hub
        self.content = XetContent(hub.db, hub.blobs.objects)

    # xorbs

    def store_xorb(self, grant: XetGrant, xorb_hash: str, body_path: Path) -> bool:
        """Verify and keep an uploaded xorb; False when it was already stored. Consumes ``body_path``."""
        _require_write(grant)
        if not hashing.is_hex_hash(xorb_hash):
            raise InvalidInput("hash", f"xorb hash must be 64 lowercase hex digits, got {xorb_hash[:80]!r}")
        if self._touch_xorbs([xorb_hash]) and self.hub.blobs.objects.exists(xorb_key(xorb_hash)):
            body_path.unlink(missing_ok=True)
            return False
        index = _verify_xorb_file(body_path, xorb_hash)
        self.hub.blobs.objects.put_file(xorb_key(xorb_hash), body_path)
        now = utcnow()
        try:
            with self.hub.db.write() as session:
                if session.get(XetXorb, xorb_hash) is not None:
                    return False
                session.add(XetXorb(hash=xorb_hash, stored_size=index.stored_size,
                                    unpacked_size=index.unpacked_size, num_chunks=index.num_chunks,
                                    chunk_index=index.pack(), created_at=now, last_used_at=now))
                session.flush()
                eligible = {hashing.to_hex(h) for h in index.hashes if _dedup_eligible(h)}
                session.add_all(XetDedupChunk(chunk_hash=h, xorb_hash=xorb_hash) for h in sorted(eligible))
        except IntegrityError:
            return False  # a concurrent upload of the same xorb won
        self.content.indexes.put(xorb_hash, index)
        return True

    def _touch_xorbs(self, xorb_hashes: list[str]) -> bool:
        """Mark xorbs as just used (gc keeps them for a while); True when all of them exist."""
        with self.hub.db.write() as session:
            touched = session.execute(
                update(XetXorb).where(XetXorb.hash.in_(xorb_hashes)).values(last_used_at=utcnow())
            ).rowcount
        return touched == len(set(xorb_hashes))

    # shards

    def register_shard(self, grant: XetGrant, data: bytes) -> int:
        """Verify every file of an uploaded shard, then register them all for the grant's repo at once.

        Returns how many files were new to the hub."""
        _require_write(grant)
        try:
            parsed = shard_format.parse_upload_shard(data)
        except shard_format.ShardFormatError as error:
            raise InvalidInput("shard", str(error)) from None
        with self.hub.db.read() as session:
            files = [self._verify_file(session, block, number) for number, block in enumerate(parsed.files)]
        verified = [self._with_sha256(entry) for entry in files]
        self._register(grant, verified)
        return sum(not entry.known for entry in verified)

    def _verify_file(self, session: Session, block: shard_format.FileBlock, number: int) -> _VerifiedFile:
        where = f"file {number} ({hashing.to_hex(block.file_hash)})"
        if block.verification is None:
            raise InvalidInput("shard", f"{where} carries no verification entries")
        terms = []
        nodes: list[hashing.Node] = []
        for position, (term, proof) in enumerate(zip(block.terms, block.verification)):
            xorb_hash = hashing.to_hex(term.xorb)
            index = self.content.indexes.load(session, xorb_hash)
            if index is None:
                raise InvalidInput("shard", f"{where} term {position} names xorb {xorb_hash}, which was never "
                                            "uploaded; upload xorbs before the shard")
            if not 0 <= term.chunk_start < term.chunk_end <= index.num_chunks:
                raise InvalidInput("shard", f"{where} term {position} names chunks {term.chunk_start}.."
                                            f"{term.chunk_end} of a xorb that has {index.num_chunks}")
            plan = TermPlan(xorb_hash, index, term.chunk_start, term.chunk_end)
            if plan.size != term.unpacked_bytes:
                raise InvalidInput("shard", f"{where} term {position} claims {term.unpacked_bytes} bytes; "
                                            f"its chunks hold {plan.size}")
            if hashing.verification_hash(index.hashes[term.chunk_start:term.chunk_end]) != proof:
                raise InvalidInput("shard", f"{where} term {position} has a wrong verification hash")
            terms.append(plan)
            nodes.extend(index.nodes(term.chunk_start, term.chunk_end))
        file_hash = hashing.to_hex(block.file_hash)
        if hashing.file_hash(nodes) != block.file_hash:
            raise InvalidInput("shard", f"{where}: its terms hash to file "
                                        f"{hashing.to_hex(hashing.file_hash(nodes))}, not the one it names")
        size = sum(term.size for term in terms)
        if size > self.hub.settings.max_file_bytes:
            raise InvalidInput("shard", f"{where} is larger than the limit of {self.hub.settings.max_file_bytes} bytes")
        claimed = hashing.sha256_from_shard(block.sha256) if block.sha256 is not None else None
        known = session.get(XetFile, file_hash)
        if known is not None and claimed not in (None, known.sha256):
            raise InvalidInput("shard", f"{where} claims sha256 {claimed}, but its content hashes to {known.sha256}")
        return _VerifiedFile(file_hash, claimed or (known.sha256 if known else ""), size, tuple(terms),
                             known is not None)

    def _with_sha256(self, entry: _VerifiedFile) -> _VerifiedFile:
        """Hash the file's bytes as stored; only this value may back a commit's sha256 oid."""
        if entry.known:
            return entry
        digest = hashlib.sha256()
        for piece in self.content.iter_file(FilePlan(entry.file_hash, "", entry.size, entry.terms)):
            digest.update(piece)
        actual = digest.hexdigest()
        if entry.sha256 and entry.sha256 != actual:
            raise InvalidInput("shard", f"file {entry.file_hash} claims sha256 {entry.sha256}, but its content "
                                        f"hashes to {actual}")
        return _VerifiedFile(entry.file_hash, actual, entry.size, entry.terms, False)

    def _register(self, grant: XetGrant, files: list[_VerifiedFile]) -> None:
        now = utcnow()
        with self.hub.db.write() as session:
            for entry in files:
                xorbs = sorted({term.xorb for term in entry.terms})
                touched = session.execute(
                    update(XetXorb).where(XetXorb.hash.in_(xorbs)).values(last_used_at=now)
                ).rowcount if xorbs else 0
                if touched != len(xorbs):
                    raise InvalidInput("shard", f"file {entry.file_hash} names a xorb removed while it was checked")
                row = session.get(XetFile, entry.file_hash)
                if row is None:
                    session.add(XetFile(file_hash=entry.file_hash, sha256=entry.sha256, size=entry.size,
                                        terms=[[t.xorb, t.start, t.end, t.size] for t in entry.terms],
                                        created_at=now, last_used_at=now))
                    session.flush()
                    session.add_all(XetFileXorb(file_hash=entry.file_hash, xorb_hash=x) for x in xorbs)
                    if entry.terms:
                        first = entry.terms[0]
                        first_chunk = hashing.to_hex(first.index.hashes[first.start])
                        if session.get(XetDedupChunk, (first_chunk, first.xorb)) is None:
                            session.add(XetDedupChunk(chunk_hash=first_chunk, xorb_hash=first.xorb))
                else:
                    row.last_used_at = now
                grant_blob(session, grant.repo_pk, entry.sha256, entry.size, None)

    # downloads

    def reconstruction(self, grant: XetGrant, file_hash: str, start: int | None, end: int | None) -> Reconstruction:
        """Which xorb ranges rebuild bytes ``start``-``end`` (inclusive) of a file the grant's repo holds."""
        with self.hub.db.read() as session:
            row = session.get(XetFile, file_hash) if hashing.is_hex_hash(file_hash) else None
            if row is None or session.get(RepoBlob, (grant.repo_pk, row.sha256)) is None:
                raise NotFound(f"No file {file_hash} in this repository")
            plan = self.content.plan(session, row)
        start = start or 0
        if plan.size == 0 and start == 0:
            return Reconstruction(0, (), ())
        if start >= plan.size:
            raise RangeNotSatisfiable(f"Range starts at {start}, beyond the file's {plan.size} bytes")
        end = plan.size - 1 if end is None else min(end, plan.size - 1)
        return _plan_ranges(plan, start, end)

    # global dedup

    def dedup_answer(self, grant: XetGrant, chunk_hash: str) -> bytes | None:
        """A shard describing the xorbs that hold a chunk, or None. Only xorbs of files the grant's repo holds
        are offered, so the answer reveals nothing about other repos."""
        if not hashing.is_hex_hash(chunk_hash):
            return None
        with self.hub.db.read() as session:
            held = (select(XetFileXorb.xorb_hash, XetFileXorb.file_hash)
                    .join(XetFile, XetFile.file_hash == XetFileXorb.file_hash)
                    .join(RepoBlob, (RepoBlob.sha256 == XetFile.sha256) & (RepoBlob.repo_id == grant.repo_pk)))
            hit = session.execute(held.join(XetDedupChunk, XetDedupChunk.xorb_hash == XetFileXorb.xorb_hash)
                                  .where(XetDedupChunk.chunk_hash == chunk_hash).limit(1)).first()
            if hit is None:
                return None
            # the other xorbs of the files (newest first) that use this one: a new version of a file is
            # most likely made of the chunks of its previous versions
            files = held.where(XetFileXorb.xorb_hash == hit.xorb_hash).subquery()
            siblings = (select(XetFileXorb.xorb_hash).join(XetFile, XetFile.file_hash == XetFileXorb.file_hash)
                        .where(XetFileXorb.file_hash.in_(select(files.c.file_hash)))
                        .order_by(XetFile.created_at.desc()))
            related = list(dict.fromkeys([hit.xorb_hash, *session.scalars(siblings)]))
            answer = []
            for xorb_hash in related[:DEDUP_ANSWER_MAX_XORBS]:
                index = self.content.indexes.load(session, xorb_hash)
                answer.append(shard_format.DedupXorb(hashing.from_hex(xorb_hash),
                                                     tuple(zip(index.hashes, index.lengths)), index.stored_size))
        self._touch_xorbs([hashing.to_hex(entry.xorb) for entry in answer])
        return shard_format.dedup_shard(answer, secrets.token_bytes(32), DEDUP_ANSWER_VALID_SECONDS)


def _require_write(grant: XetGrant) -> None:
    if grant.scope != WRITE:
        raise Forbidden("This Xet token only allows reading")


def _verify_xorb_file(path: Path, xorb_hash: str) -> xorb_format.XorbIndex:
    size = path.stat().st_size
    try:
        if size == 0:
            raise xorb_format.XorbFormatError("xorb holds no chunks")
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as body:
            return xorb_format.verify_xorb(body, xorb_hash)  # mmap slices are copies, so it closes cleanly
    except xorb_format.XorbFormatError as error:
        path.unlink(missing_ok=True)
        raise InvalidInput("xorb", str(error)) from None


def _dedup_eligible(chunk_hash: bytes) -> bool:
    return int.from_bytes(chunk_hash[24:32], "little") % DEDUP_ELIGIBLE_MODULUS == 0


def _plan_ranges(plan: FilePlan, start: int, end: int) -> Reconstruction:
    """Keep the whole chunks that overlap [start, end]; one fetch range per term, as the client requires
    every term to lie inside one range it is given."""
    terms = []
    fetches = []
    offset = 0
    first_offset = None
    for term in plan.terms:
        kept_start = kept_end = None
        for chunk in range(term.start, term.end):
            length = term.index.lengths[chunk]
            if offset + length > start and offset <= end:
                if kept_start is None:
                    kept_start = chunk
                    if first_offset is None:
                        first_offset = start - offset
                kept_end = chunk + 1
            offset += length
        if kept_start is not None:
            unpacked = sum(term.index.lengths[kept_start:kept_end])
            terms.append((term.xorb, unpacked, kept_start, kept_end))
            byte_start, byte_end = term.index.byte_span(kept_start, kept_end)
            fetches.append(FetchRange(term.xorb, kept_start, kept_end, byte_start, byte_end))
        if offset > end:
            break
    return Reconstruction(first_offset or 0, tuple(terms), tuple(fetches))
