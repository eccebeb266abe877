"""The lineage graph around one model: its ancestors (what it was built from) and descendants (what was built
from it), read from the index level by level, one query per level.

Privacy: a repo the viewer may not see is never a node. A base the viewer may not see is shown exactly like a
base that is not on this hub (an external node with the name the visible card gives it), so a private repo's
existence, card, head and own ancestors never show; a derivative the viewer may not see is left out and not
counted, and the walk never passes through it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, select, tuple_
from sqlalchemy.orm import Session

from aicommons.accounts.access import can_read
from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.index.indexer import ensure_indexed
from aicommons.index.tables import IndexedCommit, IndexHead, LineageEdge
from aicommons.lineage.notices import duplicates_of, notices_for
from aicommons.repos import revisions
from aicommons.storage.tables import Repo

MAX_DEPTH = 64
MAX_NODES = 20_000
BATCH = 900  # (namespace, name) pairs per query, under SQLite's bound-parameter limit


@dataclass
class Node:
    id: str  # the repo id; for an external base, the name the card gives it
    kind: str  # "root" | "model" | "external"
    depth: int  # < 0 ancestors, 0 the root, > 0 descendants
    commit_oid: str | None = None
    license: str | None = None
    pipeline_tag: str | None = None


@dataclass
class Edge:
    source: str  # the derivative
    target: str  # its base
    relation: str
    evidence: dict  # {"kind": declared|inferred, "from": ..., "base_from": ...}
    verification: str | None = None
    verification_detail: dict | None = None
    built_from: str | None = None  # the base commit it was built from
    out_of_date: bool = False


@dataclass
class LineageGraph:
    root: str
    commit_oid: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    truncated: bool = False

    def counts(self) -> dict[str, dict[str, int]]:
        """Per relation: the root's bases, its direct derivatives, and all its descendants."""
        depth = {node.id: node.depth for node in self.nodes}
        ancestors, children, descendants = Counter(), Counter(), Counter()
        counted = set()
        for edge in self.edges:
            if edge.source == self.root and depth.get(edge.target, 0) < 0:
                ancestors[edge.relation] += 1
            if depth.get(edge.source, 0) > 0 and edge.source not in counted:
                counted.add(edge.source)  # a merge of several descendants counts once
                descendants[edge.relation] += 1
                if edge.target == self.root:
                    children[edge.relation] += 1
        return {"ancestors": dict(ancestors), "children": dict(children), "descendants": dict(descendants)}

    def to_dict(self) -> dict:
        # built by hand: dataclasses.asdict deep-copies every nested dict, which dominates on large graphs
        return {"root": self.root, "commit": self.commit_oid, "nodes": [_node_dict(n) for n in self.nodes],
                "edges": [_edge_dict(e) for e in self.edges], "counts": self.counts(), "notices": self.notices,
                "duplicates": self.duplicates, "truncated": self.truncated}


def _node_dict(node: Node) -> dict:
    return {"id": node.id, "kind": node.kind, "depth": node.depth, "commit_oid": node.commit_oid,
            "license": node.license, "pipeline_tag": node.pipeline_tag}


def _edge_dict(edge: Edge) -> dict:
    item = {"from": edge.source, "to": edge.target, "relation": edge.relation, "evidence": edge.evidence,
            "verification": edge.verification, "built_from": edge.built_from, "out_of_date": edge.out_of_date}
    if edge.verification_detail is not None:
        item["verification_detail"] = edge.verification_detail
    return item


@dataclass(frozen=True)
class _Visible:
    """What the walk knows of a repo node."""

    pk: int
    repo_id: str
    head: str | None


def lineage_graph(hub: Hub, principal: Principal, repo: Repo, revision: str | None = None) -> LineageGraph:
    """Ancestors and descendants of a model at a revision, as the principal may see them."""
    with hub.db.read() as session:
        commit_oid = revisions.resolve(session, repo.id, revision).commit_oid
    root_row = ensure_indexed(hub, repo, commit_oid)
    graph = LineageGraph(repo.repo_id, commit_oid)
    graph.nodes.append(Node(repo.repo_id, "root", 0, commit_oid, root_row.license, root_row.pipeline_tag))
    with hub.db.read() as session:
        _ancestors(session, principal, graph, _Visible(repo.id, repo.repo_id, commit_oid))
        # derivatives were built from some commit of the root's main branch: compare with its head
        main_head = session.get(IndexHead, repo.id)
        _descendants(session, principal, graph, _Visible(repo.id, repo.repo_id, main_head and main_head.commit_oid))
        graph.notices = notices_for(session, principal, repo, root_row)
        graph.duplicates = duplicates_of(session, principal, repo, root_row, graph)
    return graph


def _ancestors(session: Session, principal: Principal, graph: LineageGraph, root: _Visible) -> None:
    seen = {root.repo_id}
    described: list[tuple[Node, int]] = []
    frontier = {root.pk: (root, _edges_of_commit(session, root.pk, root.head))}
    depth = 0
    while frontier and depth < MAX_DEPTH:
        depth -= 1
        wanted = {(e.base_namespace, e.base_name) for _, edges in frontier.values() for e in edges}
        bases = _visible_models(session, principal, wanted)
        next_frontier = {}
        for child, edges in frontier.values():
            for edge in edges:
                base = bases.get((edge.base_namespace, edge.base_name))
                target = base.repo_id if base else edge.base
                graph.edges.append(_edge(edge, child.repo_id, target, base.head if base else None,
                                         detailed=child.pk == root.pk))
                if target in seen:
                    continue
                seen.add(target)
                if base is None:
                    graph.nodes.append(Node(target, "external", depth))
                    continue
                graph.nodes.append(Node(base.repo_id, "model", depth, base.head))
                described.append((graph.nodes[-1], base.pk))
                next_frontier[base.pk] = (base, _edges_of_commit(session, base.pk, base.head))
        frontier = next_frontier
    graph.truncated |= bool(frontier)
    _describe(session, described)


def _descendants(session: Session, principal: Principal, graph: LineageGraph, root: _Visible) -> None:
    seen = {root.repo_id}
    frontier = {tuple(root.repo_id.split("/", 1)): root}
    depth = 0
    new_nodes = []
    while frontier and depth < MAX_DEPTH:
        depth += 1
        next_frontier = {}
        for row in _derivatives(session, list(frontier), with_detail=depth == 1):
            if not can_read(principal, row):
                continue
            parent = frontier[(row.base_namespace, row.base_name)]
            child_id = f"{row.namespace}/{row.name}"
            graph.edges.append(_edge(row, child_id, parent.repo_id, parent.head, detailed=parent is root))
            if child_id in seen:
                continue
            if len(graph.nodes) + len(new_nodes) >= MAX_NODES:
                graph.truncated = True
                continue
            seen.add(child_id)
            node = Node(child_id, "model", depth, row.commit_oid, row.license, row.pipeline_tag)
            new_nodes.append(node)
            next_frontier[(row.namespace, row.name)] = _Visible(row.id, child_id, row.commit_oid)
        frontier = next_frontier
    graph.truncated |= bool(frontier)
    graph.nodes += new_nodes


def _edges_of_commit(session: Session, repo_pk: int, commit_oid: str | None) -> list[LineageEdge]:
    if commit_oid is None:
        return []
    return list(session.scalars(select(LineageEdge).where(LineageEdge.repo_id == repo_pk,
                                                          LineageEdge.commit_oid == commit_oid)))


def _visible_models(session: Session, principal: Principal, pairs: set[tuple[str, str]]) -> dict:
    """Model repos by (namespace, name) among those the principal may see, with their indexed heads."""
    out = {}
    pairs = [pair for pair in pairs if pair[0]]
    for start in range(0, len(pairs), BATCH):
        rows = session.execute(
            select(Repo, IndexHead.commit_oid).outerjoin(IndexHead, IndexHead.repo_id == Repo.id)
            .where(Repo.type == "model", tuple_(Repo.namespace, Repo.name).in_(pairs[start:start + BATCH]))
        ).all()
        for repo, head in rows:
            if can_read(principal, repo):
                out[(repo.namespace, repo.name)] = _Visible(repo.id, repo.repo_id, head)
    return out


_DERIVATIVE_COLUMNS = (LineageEdge.commit_oid, LineageEdge.base_namespace, LineageEdge.base_name,
                       LineageEdge.relation, LineageEdge.evidence, LineageEdge.evidence_source,
                       LineageEdge.base_source, LineageEdge.base_commit_oid, LineageEdge.verification,
                       Repo.id, Repo.namespace, Repo.name, Repo.private, Repo.owner_id,
                       IndexedCommit.license, IndexedCommit.pipeline_tag)


def _derivatives(session: Session, bases: list[tuple[str, str]], with_detail: bool):
    """(edge, derivative repo) rows for every model whose indexed head names one of these bases. Plain
    columns, and the verification detail only when asked: a level may hold thousands of rows."""
    columns = _DERIVATIVE_COLUMNS + ((LineageEdge.verification_detail,) if with_detail else ())
    for start in range(0, len(bases), BATCH):
        chunk = bases[start:start + BATCH]
        wanted = set(chunk)
        # two plain IN lists use the (base_namespace, base_name) index; the exact pairs are kept below
        rows = session.execute(
            select(*columns)
            .join(IndexHead, and_(IndexHead.repo_id == LineageEdge.repo_id,
                                  IndexHead.commit_oid == LineageEdge.commit_oid))
            .join(Repo, Repo.id == LineageEdge.repo_id)
            .join(IndexedCommit, and_(IndexedCommit.repo_id == LineageEdge.repo_id,
                                      IndexedCommit.commit_oid == LineageEdge.commit_oid))
            .where(Repo.type == "model", LineageEdge.base_namespace.in_({ns for ns, _ in chunk}),
                   LineageEdge.base_name.in_({name for _, name in chunk}))
            .order_by(Repo.id)
        )
        for row in rows:
            if (row.base_namespace, row.base_name) in wanted:
                yield row


def _edge(row, source: str, target: str, base_head: str | None, detailed: bool) -> Edge:
    """An edge from a LineageEdge row (or a row of its columns)."""
    on_hub = base_head is not None
    return Edge(
        source=source, target=target, relation=row.relation,
        evidence={"kind": row.evidence, "from": row.evidence_source, "base_from": row.base_source},
        verification=row.verification if on_hub else None,
        verification_detail=(row.verification_detail or {}) if detailed and on_hub else None,
        built_from=row.base_commit_oid if on_hub else None,
        out_of_date=on_hub and row.base_commit_oid is not None and row.base_commit_oid != base_head,
    )


def _describe(session: Session, nodes: list[tuple[Node, int]]) -> None:
    """Fill licence and task of ancestor nodes (few) from their indexed heads."""
    for node, repo_pk in nodes:
        row = session.get(IndexedCommit, (repo_pk, node.commit_oid))
        if row is not None:
            node.license, node.pipeline_tag = row.license, row.pipeline_tag
