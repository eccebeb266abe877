"""The lineage graph: which model was built from which (fine-tune, adapter, merge, quantization), how that is
known (declared by a card or inferred from files), whether the tensors confirm it, and what moved upstream.

Query it with `aicommons.lineage.graph.lineage_graph`; the licence engine reads `lineage_parents`.
"""

from __future__ import annotations


def lineage_parents(hub, repo, commit_oid: str) -> list[dict]:
    """The bases a commit declares or implies, for the licence engine (which acts for the hub, not a viewer:
    `private` says whether a base on the hub is private, so callers showing results decide what to reveal).

    Each: {base, relation, evidence, evidence_source, repo_id (None when not on this hub), private,
    built_from (the base commit it was built from, or None), verification}."""
    from sqlalchemy import select

    from aicommons.index.indexer import ensure_indexed
    from aicommons.index.tables import LineageEdge
    from aicommons.storage.tables import Repo

    ensure_indexed(hub, repo, commit_oid)
    out = []
    with hub.db.read() as session:
        edges = session.scalars(select(LineageEdge).where(LineageEdge.repo_id == repo.id,
                                                          LineageEdge.commit_oid == commit_oid)).all()
        for edge in edges:
            base = session.scalar(select(Repo).where(Repo.type == "model", Repo.namespace == edge.base_namespace,
                                                     Repo.name == edge.base_name)) if edge.base_namespace else None
            out.append({"base": edge.base, "relation": edge.relation, "evidence": edge.evidence,
                        "evidence_source": edge.evidence_source, "repo_id": base.repo_id if base else None,
                        "private": bool(base and base.private), "built_from": edge.base_commit_oid if base else None,
                        "verification": edge.verification})
    return out
