"""What the account page adds: counts, the collections the viewer may see, and the repos the user likes."""

from __future__ import annotations

from aicommons.community import collections, likes, overview

SHOWN = 12


def account_overview(hub, principal, name: str) -> dict:
    found = overview.overview(hub, principal, name)
    return {
        "overview": found,
        "collections": collections.list_collections(hub, principal, owners=[name], limit=SHOWN),
        "liked": likes.liked_repos(hub, principal, name, limit=SHOWN) if found.kind == "user" else [],
    }
