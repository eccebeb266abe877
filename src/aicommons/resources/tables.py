"""The cache of weights-file headers, by blob: content never changes, so a header is read once per blob."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base


class WeightHeaderRow(Base):
    __tablename__ = "weight_headers"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    header: Mapped[dict | None] = mapped_column(JSON)  # WeightsHeader.to_json(); None when unreadable
    error: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
