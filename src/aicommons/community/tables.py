"""Tables of the community features: discussions and pull requests, gating, likes, collections, webhooks,
per-repo community settings and the redirects that moved repos leave behind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aicommons.storage.tables import Base


class RepoCommunity(Base):
    """A repo's community settings, and the one counter that numbers its discussions and pull requests."""

    __tablename__ = "repo_community"
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    gated: Mapped[str | None] = mapped_column(String(8))  # None | "auto" | "manual"
    discussions_disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Discussion(Base):
    """A discussion, a pull request (``refs/pr/{number}``) or a report (a discussion with a ``report_type``)."""

    __tablename__ = "discussions"
    __table_args__ = (UniqueConstraint("repo_id", "number"), Index("ix_discussions_report", "report_type", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8))  # open | closed | merged | draft
    is_pull_request: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    report_type: Mapped[str | None] = mapped_column(String(16))
    report_path: Mapped[str | None] = mapped_column(String(1024))
    base_ref: Mapped[str | None] = mapped_column(String(300))  # pull requests: the branch they merge into
    start_oid: Mapped[str | None] = mapped_column(String(40))  # the commit the pull request started from
    merge_commit_oid: Mapped[str | None] = mapped_column(String(40))


class DiscussionEvent(Base):
    """One entry of a discussion's timeline: a comment, a status or title change, or a commit to the PR."""

    __tablename__ = "discussion_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    oid: Mapped[str] = mapped_column(String(24), unique=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))  # comment | status-change | title-change | commit
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict] = mapped_column(JSON)


class AccessRequest(Base):
    """A user's request for the files of a gated repo, and what the maintainers decided."""

    __tablename__ = "access_requests"
    __table_args__ = (UniqueConstraint("repo_id", "user_id"), Index("ix_access_requests_status", "repo_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    oid: Mapped[str] = mapped_column(String(24), unique=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8))  # pending | accepted | rejected
    fields: Mapped[dict] = mapped_column(JSON)
    granted: Mapped[bool] = mapped_column(Boolean, default=False)  # given by a maintainer, not asked for
    rejection_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Like(Base):
    __tablename__ = "likes"
    user_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Collection(Base):
    __tablename__ = "collections"
    id: Mapped[int] = mapped_column(primary_key=True)
    oid: Mapped[str] = mapped_column(String(24), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    theme: Mapped[str] = mapped_column(String(16), default="default")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CollectionItem(Base):
    """A repo or another collection in a collection, at a position, with an optional note."""

    __tablename__ = "collection_items"
    __table_args__ = (UniqueConstraint("collection_id", "repo_id"), UniqueConstraint("collection_id", "member_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    oid: Mapped[str] = mapped_column(String(24), unique=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    repo_id: Mapped[int | None] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Webhook(Base):
    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    oid: Mapped[str] = mapped_column(String(24), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200))
    domains: Mapped[list] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookWatch(Base):
    """What a webhook watches: a repo (``model``/``dataset`` and its id) or every repo of an account."""

    __tablename__ = "webhook_watches"
    __table_args__ = (Index("ix_webhook_watches_target", "kind", "name"),)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # user | org | model | dataset
    name: Mapped[str] = mapped_column(String(200), primary_key=True)


class WebhookDelivery(Base):
    """One payload sent (or being sent) to a webhook: the delivery log of its settings page."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_hook", "webhook_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))  # queued | retrying | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RepoRedirect(Base):
    """An id a repo was known by before it moved; requests for it are redirected to the repo's current id."""

    __tablename__ = "repo_redirects"
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(96), primary_key=True)
    name: Mapped[str] = mapped_column(String(96), primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
