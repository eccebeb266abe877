"""Tables of the evaluation feature: signed result records and the per-sample result cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base


class EvalRecordRow(Base):
    """One evaluation the hub ran on a model commit; ``document`` is the signed record itself.

    Licence, languages and parameter count are copied from the commit at evaluation time so
    leaderboards filter without reading cards or weights."""

    __tablename__ = "eval_records"
    __table_args__ = (Index("ix_eval_records_task", "task", "task_version", "repo_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), index=True)
    commit_oid: Mapped[str] = mapped_column(String(40))
    task: Mapped[str] = mapped_column(String(64))
    task_version: Mapped[int] = mapped_column(Integer)
    primary_metric: Mapped[str] = mapped_column(String(64))
    primary_value: Mapped[float | None] = mapped_column(Float)
    metrics: Mapped[dict] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    license: Mapped[str | None] = mapped_column(String(200))
    languages: Mapped[list] = mapped_column(JSON)
    parameters: Mapped[int | None] = mapped_column(BigInteger)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvalSampleCache(Base):
    """A model's output for one sample of one task version, keyed by a hash of everything that
    decides it (see cache.py)."""

    __tablename__ = "eval_sample_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    output: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
