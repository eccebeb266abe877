"""Stored licence summaries: a few facts per repo head for search facets, and what each summary depends on.

Derived data, computed as the hub (every repo visible) by a job after each commit. Rows name no repo but their
own, except `license_dependencies`, which is bookkeeping for recomputation and is never shown to anyone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base


class LicenseSummary(Base):
    """The licence facts of a repo's main-branch head that search filters on."""

    __tablename__ = "license_summaries"
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True)
    commit_oid: Mapped[str] = mapped_column(String(40))  # the head it was computed for
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    has_conflicts: Mapped[bool] = mapped_column(Boolean, index=True)
    conflict_kinds: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["relicensed", "notice-file"]
    commercial: Mapped[str] = mapped_column(String(32), index=True)  # a licences.Status value


class LicenseDependency(Base):
    """A repo (model or dataset, on this hub or not, visible or not) whose change may change a summary."""

    __tablename__ = "license_dependencies"
    __table_args__ = (Index("ix_license_dependencies_target", "target_type", "target_id"),)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # as cards name it
