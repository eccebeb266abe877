"""What the hub records about Xet content. Hashes are kept in Xet hex form, as they appear in URLs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base


class XetXorb(Base):
    """A verified xorb, stored as uploaded under ``xorbs/<hash>``; ``chunk_index`` packs XorbIndex entries."""

    __tablename__ = "xet_xorbs"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    stored_size: Mapped[int] = mapped_column(BigInteger)
    unpacked_size: Mapped[int] = mapped_column(BigInteger)
    num_chunks: Mapped[int] = mapped_column(Integer)
    chunk_index: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # refreshed whenever a client may learn of this xorb (upload, a shard naming it, a dedup answer):
    # client caches remember xorbs for weeks, so gc keeps a xorb that long after its last use
    last_used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class XetFile(Base):
    """A file uploaded through Xet, verified: its terms hash to ``file_hash`` and its bytes to ``sha256``."""

    __tablename__ = "xet_files"
    file_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    terms: Mapped[list] = mapped_column(JSON)  # [[xorb hash, chunk start, chunk end, unpacked bytes], ...]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class XetFileXorb(Base):
    """Which xorbs a file's terms use: what gc keeps and what a dedup answer may offer together."""

    __tablename__ = "xet_file_xorbs"
    file_hash: Mapped[str] = mapped_column(ForeignKey("xet_files.file_hash", ondelete="CASCADE"), primary_key=True)
    xorb_hash: Mapped[str] = mapped_column(ForeignKey("xet_xorbs.hash"), primary_key=True, index=True)


class XetDedupChunk(Base):
    """Chunks a client may ask the global dedup query about: first chunks of files and the 1-in-1024 chunks
    whose hash marks them eligible."""

    __tablename__ = "xet_dedup_chunks"
    chunk_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    xorb_hash: Mapped[str] = mapped_column(ForeignKey("xet_xorbs.hash", ondelete="CASCADE"), primary_key=True,
                                           index=True)
