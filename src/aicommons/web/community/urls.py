"""Addresses of the community pages."""

from __future__ import annotations

from urllib.parse import quote

from aicommons.web.urls import repo_base


def discussions_url(repo, **params) -> str:
    query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items() if v not in (None, ""))
    return f"{repo_base(repo.type, repo.repo_id)}/discussions" + (f"?{query}" if query else "")


def discussion_url(repo, number: int) -> str:
    return f"{repo_base(repo.type, repo.repo_id)}/discussions/{number}"


def gate_url(repo) -> str:
    return f"{repo_base(repo.type, repo.repo_id)}/gate"


def access_url(repo) -> str:
    return f"{repo_base(repo.type, repo.repo_id)}/settings/access"


def collection_url(slug: str) -> str:
    return f"/collections/{slug}"


def webhook_url(webhook_id: str | None = None) -> str:
    return "/settings/webhooks" + (f"/{webhook_id}" if webhook_id else "")
