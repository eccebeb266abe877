"""Lineage of a 10,000-model graph: the hub's level-by-level query against two anchors on the same edges.

Run: python bench/bench_lineage.py [--models 10000] [--repeat 5]

The graph: one base model with 100 derivatives (fine-tunes, adapters, quantizations), each with 99 more, so
the base has 10,000 descendants. The index is filled directly (setting it up through commits is not what is
timed). Timed: `lineage_graph` + `to_dict` (what GET /api/models/{id}/lineage does) for the base (all
descendants) and for a leaf (its ancestors). Anchors, over the same tables: a naive recursive walk with one
query per node, and networkx loading every head edge and traversing in memory.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import and_, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from aicommons.accounts.principal import ANONYMOUS  # noqa: E402
from aicommons.accounts.service import create_user  # noqa: E402
from aicommons.features import configure_hub  # noqa: E402
from aicommons.hub import Hub  # noqa: E402
from aicommons.index.tables import IndexedCommit, IndexHead, LineageEdge  # noqa: E402
from aicommons.lineage.graph import lineage_graph  # noqa: E402
from aicommons.repos.objects import utcnow  # noqa: E402
from aicommons.settings import Settings  # noqa: E402
from aicommons.storage.tables import Ref, Repo  # noqa: E402

RELATIONS = ("finetune", "adapter", "quantized", "finetune", "merge")


def oid(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


def build(hub: Hub, models: int) -> tuple[str, str]:
    with hub.db.write() as session:
        owner = create_user(session, "bench", None)
    fanout = max(1, int(round((models - 1) ** 0.5)))
    names = ["base"]
    parent_of = {}
    for i in range(fanout):
        child = f"m{i}"
        names.append(child)
        parent_of[child] = "base"
    i = 0
    while len(names) < models:
        child = f"m{i % fanout}-{i // fanout}"
        names.append(child)
        parent_of[child] = f"m{i % fanout}"
        i += 1
    now = utcnow()
    with hub.db.write() as session:
        session.execute(insert(Repo), [dict(type="model", namespace="bench", name=n, owner_id=owner.id, private=False,
                                            created_at=now, updated_at=now, downloads=0, likes=0) for n in names])
        pk = dict(session.execute(select(Repo.name, Repo.id)).all())
        session.execute(insert(IndexedCommit), [dict(repo_id=pk[n], commit_oid=oid(n), indexed_at=now, has_card=True,
                                                     license="mit", card={}, card_warnings=[], facts={}) for n in names])
        session.execute(insert(IndexHead), [dict(repo_id=pk[n], commit_oid=oid(n)) for n in names])
        session.execute(insert(Ref), [dict(repo_id=pk[n], name="refs/heads/main", commit_oid=oid(n)) for n in names])
        session.execute(insert(LineageEdge), [
            dict(repo_id=pk[n], commit_oid=oid(n), base=f"bench/{p}", base_namespace="bench", base_name=p,
                 relation=RELATIONS[k % len(RELATIONS)], evidence="declared", evidence_source="card base_model_relation",
                 base_source="card base_model", base_commit_oid=oid(p), verification="verified",
                 verification_detail={"shared_names": 10})
            for k, (n, p) in enumerate(parent_of.items())])
    return "base", names[-1]


def ours(hub: Hub, name: str) -> int:
    with hub.db.read() as session:
        repo = session.scalar(select(Repo).where(Repo.namespace == "bench", Repo.name == name))
    return len(lineage_graph(hub, ANONYMOUS, repo).to_dict()["nodes"])


def naive_recursive(hub: Hub, name: str) -> int:
    """One query per node: its derivatives, then theirs (and its bases, then theirs)."""
    seen = {name}
    with hub.db.read() as session:
        def children(base: str):
            rows = session.execute(
                select(Repo.name).join(IndexHead, IndexHead.repo_id == Repo.id)
                .join(LineageEdge, and_(LineageEdge.repo_id == IndexHead.repo_id,
                                        LineageEdge.commit_oid == IndexHead.commit_oid))
                .where(LineageEdge.base_namespace == "bench", LineageEdge.base_name == base)).scalars()
            for child in rows:
                if child not in seen:
                    seen.add(child)
                    children(child)

        def parents(child: str):
            rows = session.execute(
                select(LineageEdge.base_name).join(IndexHead, and_(IndexHead.repo_id == LineageEdge.repo_id,
                                                                   IndexHead.commit_oid == LineageEdge.commit_oid))
                .join(Repo, Repo.id == LineageEdge.repo_id).where(Repo.name == child)).scalars()
            for base in rows:
                if base not in seen:
                    seen.add(base)
                    parents(base)

        children(name)
        parents(name)
    return len(seen)


def networkx_traversal(hub: Hub, name: str) -> int:
    """Load every head edge into a networkx DiGraph (base -> derivative) and traverse in memory."""
    import networkx as nx

    with hub.db.read() as session:
        rows = session.execute(
            select(LineageEdge.base_name, Repo.name).join(IndexHead, and_(
                IndexHead.repo_id == LineageEdge.repo_id, IndexHead.commit_oid == LineageEdge.commit_oid))
            .join(Repo, Repo.id == LineageEdge.repo_id)).all()
    graph = nx.DiGraph()
    graph.add_edges_from(rows)
    return 1 + len(nx.descendants(graph, name)) + len(nx.ancestors(graph, name))


def timed(fn, *args, repeat: int) -> tuple[float, int]:
    fn(*args)  # warm caches
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        hub = configure_hub(Hub.open(Settings.from_env(Path(folder) / "data")))
        try:
            base, leaf = build(hub, args.models)
            print(f"lineage of a {args.models}-model graph (SQLite), median of {args.repeat} runs")
            print(f"{'query':<34}{'nodes':>7}{'hub':>10}{'naive':>10}{'ratio':>8}{'networkx':>10}{'ratio':>8}")
            for label, name in ((f"all descendants of {base}", base), (f"ancestors of leaf {leaf}", leaf)):
                ours_s, ours_n = timed(ours, hub, name, repeat=args.repeat)
                naive_s, naive_n = timed(naive_recursive, hub, name, repeat=args.repeat)
                nx_s, nx_n = timed(networkx_traversal, hub, name, repeat=args.repeat)
                assert ours_n == naive_n == nx_n, (ours_n, naive_n, nx_n)
                print(f"{label:<34}{ours_n:>7}{ours_s * 1000:>8.1f}ms{naive_s * 1000:>8.1f}ms"
                      f"{naive_s / ours_s:>7.1f}x{nx_s * 1000:>8.1f}ms{nx_s / ours_s:>7.1f}x")
            print("ratio = anchor time / hub time (above 1: the hub is faster)")
        finally:
            hub.close()


if __name__ == "__main__":
    main()
