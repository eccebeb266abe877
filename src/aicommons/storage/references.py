"""Which content the repos refer to: every file version of every commit, by sha256.

Trees are shared between commits and repos, so each tree node is walked once and its set reused.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.hub import Hub
from aicommons.storage.tables import CommitRow


def referenced_by_repo(hub: Hub, session: Session) -> dict[int, set[str]]:
    """repo pk -> the sha256 of every file in any of its commits."""
    subtree: dict[str, frozenset[str]] = {}

    def contents(oid: str) -> frozenset[str]:
        if oid not in subtree:
            node = hub.trees.node(session, oid)
            found = {entry.sha256 for entry in node.files.values()}
            for child in node.dirs.values():
                found |= contents(child)
            subtree[oid] = frozenset(found)
        return subtree[oid]

    out: dict[int, set[str]] = defaultdict(set)
    for repo_pk, tree_oid in session.execute(select(CommitRow.repo_id, CommitRow.tree_oid).distinct()):
        out[repo_pk] |= contents(tree_oid)
    return dict(out)
