"""What a model's page warns about: its upstream moved since it was built (a newer base commit, or a base whose
card names a successor in `new_version`), it is itself superseded, or its weights duplicate another repo's."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from aicommons.accounts.access import can_read, visible_repos
from aicommons.accounts.principal import Principal
from aicommons.index.tables import IndexedCommit, IndexHead, LineageEdge
from aicommons.storage.tables import CommitRow, Repo

MAX_COMMITS_COUNTED = 1000


def notices_for(session: Session, principal: Principal, repo: Repo, row: IndexedCommit) -> list[dict]:
    notices = []
    if row.new_version:
        notices.append({"kind": "superseded", "successor": row.new_version,
                        "message": f"A newer version of this model exists: {row.new_version}"})
    edges = session.scalars(select(LineageEdge).where(LineageEdge.repo_id == repo.id,
                                                      LineageEdge.commit_oid == row.commit_oid))
    for edge in edges:
        base = _visible_model(session, principal, edge.base_namespace, edge.base_name)
        if base is None:
            continue
        head = session.get(IndexHead, base.id)
        if head is None:
            continue
        if edge.base_commit_oid and head.commit_oid != edge.base_commit_oid:
            notices.append(_base_moved(session, base, edge, head.commit_oid))
        base_row = session.get(IndexedCommit, (base.id, head.commit_oid))
        if base_row is not None and base_row.new_version:
            notices.append({"kind": "base_superseded", "base": base.repo_id, "successor": base_row.new_version,
                            "message": f"Base model {base.repo_id} names a newer version: {base_row.new_version}"})
    return notices


def _base_moved(session: Session, base: Repo, edge: LineageEdge, latest: str) -> dict:
    built = session.get(IndexedCommit, (base.id, edge.base_commit_oid))
    now = session.get(IndexedCommit, (base.id, latest))
    weights_changed = None
    if built is not None and now is not None:
        weights_changed = built.facts.get("weight_files") != now.facts.get("weight_files")
    behind = _commits_between(session, base.id, latest, edge.base_commit_oid)
    what = "its weights changed" if weights_changed else "new commits"
    return {"kind": "base_updated", "base": base.repo_id, "built_from": edge.base_commit_oid, "latest": latest,
            "commits_since": behind, "weights_changed": weights_changed,
            "message": f"Base model {base.repo_id} moved since this model was built from it ({what})"}


def _commits_between(session: Session, repo_pk: int, newer: str, older: str) -> int | None:
    """First-parent commits from ``newer`` back to ``older``; None when ``older`` is not an ancestor nearby."""
    oid, count = newer, 0
    while oid and count <= MAX_COMMITS_COUNTED:
        if oid == older:
            return count
        row = session.get(CommitRow, (repo_pk, oid))
        oid = row.parents[0] if row is not None and row.parents else None
        count += 1
    return None


def duplicates_of(session: Session, principal: Principal, repo: Repo, row: IndexedCommit, graph) -> list[dict]:
    """Visible repos whose current weights are identical tensor for tensor, with no lineage declared between
    them: undeclared re-uploads. The older repo is the original."""
    if not row.weights_digest:
        return []
    related = {edge.target for edge in graph.edges if edge.source == repo.repo_id}
    related |= {edge.source for edge in graph.edges if edge.target == repo.repo_id}
    rows = session.execute(
        select(Repo).join(IndexHead, IndexHead.repo_id == Repo.id)
        .join(IndexedCommit, and_(IndexedCommit.repo_id == IndexHead.repo_id,
                                  IndexedCommit.commit_oid == IndexHead.commit_oid))
        .where(IndexedCommit.weights_digest == row.weights_digest, Repo.id != repo.id, Repo.type == "model",
               visible_repos(principal))
        .order_by(Repo.created_at, Repo.id)
    ).scalars()
    out = []
    for other in rows:
        if other.repo_id in related:
            continue
        original = other.id < repo.id  # ids grow with creation, and compare across timezone-naive backends
        out.append({"repo_id": other.repo_id, "is_original": original,
                    "message": (f"Identical weights were published earlier as {other.repo_id}; this looks like an "
                                "undeclared re-upload" if original else
                                f"{other.repo_id} re-uploads these weights without declaring them as its base")})
    return out


def _visible_model(session: Session, principal: Principal, namespace: str, name: str) -> Repo | None:
    if not namespace:
        return None
    repo = session.scalar(select(Repo).where(Repo.type == "model", Repo.namespace == namespace, Repo.name == name))
    return repo if repo is not None and can_read(principal, repo) else None
