"""Tables of the metadata index: what each commit's card and files say, so that search, facets and lineage
answer without reading blobs. Rows are derived data: `aicommons index rebuild` can always recreate them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        String, Text)
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base

# the full-text index is a SQLite FTS5 virtual table that the migration creates; it has no model here,
# so autogenerate must leave it (and the shadow tables FTS5 keeps beside it) alone
SEARCH_FTS_TABLE = "index_search_fts"
Base.metadata.info.setdefault("unmanaged_table_prefixes", set()).add(SEARCH_FTS_TABLE)


class IndexedCommit(Base):
    """One commit of one repo: its card fields and the facts of its files."""

    __tablename__ = "index_commits"
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True)
    commit_oid: Mapped[str] = mapped_column(String(40), primary_key=True)
    indexed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    has_card: Mapped[bool] = mapped_column(Boolean, default=False)
    card_error: Mapped[str | None] = mapped_column(Text)  # a card that predates validation may not parse
    license: Mapped[str | None] = mapped_column(String(200))
    license_name: Mapped[str | None] = mapped_column(String(300))
    license_link: Mapped[str | None] = mapped_column(String(1000))
    pipeline_tag: Mapped[str | None] = mapped_column(String(100))
    library_name: Mapped[str | None] = mapped_column(String(100))
    base_model_relation: Mapped[str | None] = mapped_column(String(16))
    new_version: Mapped[str | None] = mapped_column(String(200))
    pretty_name: Mapped[str | None] = mapped_column(String(300))
    card: Mapped[dict] = mapped_column(JSON, default=dict)  # CardMetadata.to_dict()
    card_warnings: Mapped[list] = mapped_column(JSON, default=list)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # FileFacts.to_dict()
    architecture: Mapped[str | None] = mapped_column(String(200))
    model_type: Mapped[str | None] = mapped_column(String(100))
    parameters: Mapped[int | None] = mapped_column(BigInteger)
    weights_digest: Mapped[str | None] = mapped_column(String(64), index=True)


class IndexValue(Base):
    """One value of a many-valued fact of a commit (a language, a tag, a weight format...), for facets."""

    __tablename__ = "index_values"
    __table_args__ = (
        ForeignKeyConstraint(["repo_id", "commit_oid"], ["index_commits.repo_id", "index_commits.commit_oid"],
                             ondelete="CASCADE"),
        Index("ix_index_values_kind_value", "kind", "value"),
    )
    repo_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commit_oid: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[str] = mapped_column(String(300), primary_key=True)


class IndexHead(Base):
    """The indexed commit at the head of each repo's main branch: what lists, search and the graph show."""

    __tablename__ = "index_heads"
    __table_args__ = (Index("ix_index_heads_commit", "repo_id", "commit_oid"),)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True)
    commit_oid: Mapped[str] = mapped_column(String(40))


class SearchDoc(Base):
    """The text full-text search reads for a repo's head: its name and card. FTS5 (SQLite) or a tsvector
    expression index (PostgreSQL) is kept over it by the migration."""

    __tablename__ = "index_search_docs"
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)


class EvalClaim(Base):
    """A score a card reports about itself in `model-index`."""

    __tablename__ = "index_eval_claims"
    __table_args__ = (
        ForeignKeyConstraint(["repo_id", "commit_oid"], ["index_commits.repo_id", "index_commits.commit_oid"],
                             ondelete="CASCADE"),
        Index("ix_index_eval_claims_commit", "repo_id", "commit_oid"),
        Index("ix_index_eval_claims_dataset_metric", "dataset_type", "metric_type"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(Integer)
    commit_oid: Mapped[str] = mapped_column(String(40))
    task_type: Mapped[str] = mapped_column(String(100))
    dataset_type: Mapped[str] = mapped_column(String(200))
    dataset_name: Mapped[str] = mapped_column(String(300))
    dataset_split: Mapped[str | None] = mapped_column(String(100))
    metric_type: Mapped[str] = mapped_column(String(100))
    metric_name: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str] = mapped_column(String(200))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class SafetensorsFile(Base):
    """A safetensors blob's header and tensor fingerprint, read once per content whatever repo holds it."""

    __tablename__ = "safetensors_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    tensor_count: Mapped[int] = mapped_column(Integer, default=0)
    parameters: Mapped[int] = mapped_column(BigInteger, default=0)
    header_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class SafetensorsTensor(Base):
    """One tensor of a safetensors blob, with the sha256 of its bytes: what verified lineage compares."""

    __tablename__ = "safetensors_tensors"
    file_sha256: Mapped[str] = mapped_column(ForeignKey("safetensors_files.sha256", ondelete="CASCADE"),
                                             primary_key=True)
    name: Mapped[str] = mapped_column(String(500), primary_key=True)
    dtype: Mapped[str] = mapped_column(String(16))
    shape: Mapped[list] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)


class LineageEdge(Base):
    """A commit's claim that it derives from a base model, with how the relation is known."""

    __tablename__ = "lineage_edges"
    __table_args__ = (
        ForeignKeyConstraint(["repo_id", "commit_oid"], ["index_commits.repo_id", "index_commits.commit_oid"],
                             ondelete="CASCADE"),
        Index("ix_lineage_edges_base", "base_namespace", "base_name"),
    )
    repo_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commit_oid: Mapped[str] = mapped_column(String(40), primary_key=True)
    base: Mapped[str] = mapped_column(String(200), primary_key=True)  # as the card names it
    base_namespace: Mapped[str] = mapped_column(String(96))  # '' for a bare legacy id such as 'gpt2'
    base_name: Mapped[str] = mapped_column(String(96))
    relation: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(String(16))  # declared | inferred
    evidence_source: Mapped[str] = mapped_column(String(200))  # what the relation was read or inferred from
    base_source: Mapped[str] = mapped_column(String(200))  # where the base itself is named
    base_commit_oid: Mapped[str | None] = mapped_column(String(40))  # the base's head it was built from
    verification: Mapped[str | None] = mapped_column(String(16))
    verification_detail: Mapped[dict] = mapped_column(JSON, default=dict)
