"""The scan results cache: one row per (blob sha256, scanner rules version). Results depend only on content and
rules, so a blob pushed to many repos is scanned once, and a rules change makes every row stale at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base


class ScanRecord(Base):
    __tablename__ = "scan_results"
    __table_args__ = (Index("ix_scan_results_rules", "rules_version"),)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    rules_version: Mapped[str] = mapped_column(String(32), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(16))  # aicommons.security.Verdict
    format: Mapped[str] = mapped_column(String(100))
    findings: Mapped[list] = mapped_column(JSON, default=list)  # Finding.to_dict() each
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
