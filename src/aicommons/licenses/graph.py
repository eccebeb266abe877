"""How the hub hands a repo and its upstream graph to the trust layer.

The hub implements ``RepoLookup`` (one repo at one revision, from its index, for one
requester) and gets a ``SubjectSource`` from ``GraphBuilder``; or it implements
``SubjectSource`` directly. Either way, a private repo the requester cannot see must come
back with ``visible=False``: it is then wrapped in ``HiddenNode`` and never named.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from .inputs import Card, ExternalNode, HiddenNode, Node, ParentEdge, Relation, RepoFile, RepoSubject

MAX_DEPTH = 32


class SubjectNotFound(LookupError):
    """The repo or revision does not exist, or the requester may not know that it exists."""


class SubjectSource(Protocol):
    def subject(self, repo_id: str, revision: str | None = None, repo_type: str = "model") -> RepoSubject:
        """The repo at a revision (None: the default branch) with its upstream graph filled in.

        Raises ``SubjectNotFound`` when the repo is absent or invisible to the requester.
        """


@dataclass(frozen=True)
class ParentRef:
    repo_id: str
    relation: Relation
    evidence: str = "card base_model"
    revision: str | None = None


@dataclass(frozen=True)
class RepoSnapshot:
    """One repo at one commit as the hub's index has it; parents and datasets are still ids."""

    subject: RepoSubject
    visible: bool = True
    parent_refs: tuple[ParentRef, ...] | None = None  # None: read them from the card
    dataset_refs: tuple[str, ...] | None = None  # None: the card's `datasets`


class RepoLookup(Protocol):
    def snapshot(self, repo_id: str, repo_type: str, revision: str | None) -> RepoSnapshot | None:
        """The repo at a revision (None: its default branch), or None when this hub does not hold it."""


def parent_refs_from_card(card: Card, files: tuple[RepoFile, ...] = ()) -> tuple[ParentRef, ...]:
    """Parents named by ``base_model``, with the relation the card states or the hub's usual inference."""
    bases = card.base_model
    if not bases:
        return ()
    stated = card.base_model_relation
    if stated in {r.value for r in Relation}:
        relation, evidence = Relation(stated), "card base_model_relation"
    elif any(f.path.rsplit("/", 1)[-1] == "adapter_config.json" for f in files):
        relation, evidence = Relation.ADAPTER, "adapter_config.json present"
    elif len(bases) > 1:
        relation, evidence = Relation.MERGE, "several base models"
    elif any(f.path.endswith(".gguf") for f in files):
        relation, evidence = Relation.QUANTIZED, "GGUF weights"
    else:
        relation, evidence = Relation.FINETUNE, "card base_model"
    return tuple(ParentRef(base, relation, evidence) for base in bases)


class GraphBuilder:
    """A ``SubjectSource`` that assembles the upstream graph from per-repo snapshots."""

    def __init__(self, lookup: RepoLookup, max_depth: int = MAX_DEPTH):
        self.lookup = lookup
        self.max_depth = max_depth

    def subject(self, repo_id: str, revision: str | None = None, repo_type: str = "model") -> RepoSubject:
        snapshot = self.lookup.snapshot(repo_id, repo_type, revision)
        if snapshot is None or not snapshot.visible:
            raise SubjectNotFound(f"{repo_type} {repo_id!r} not found" + (f" at {revision!r}" if revision else ""))
        return self._fill(snapshot, ((repo_type, repo_id),), {})

    def _node(self, repo_id: str, repo_type: str, revision: str | None, path: tuple, memo: dict) -> Node | None:
        key = (repo_type, repo_id)
        if key in path or len(path) > self.max_depth:
            return None  # a cycle or runaway chain in card data: stop here
        if (key, revision) in memo:
            return memo[(key, revision)]
        snapshot = self.lookup.snapshot(repo_id, repo_type, revision)
        if snapshot is None:
            node: Node = ExternalNode(repo_id, repo_type)
        else:
            filled = self._fill(snapshot, path + (key,), memo)
            node = filled if snapshot.visible else HiddenNode(filled)
        memo[(key, revision)] = node
        return node

    def _fill(self, snapshot: RepoSnapshot, path: tuple, memo: dict) -> RepoSubject:
        subject = snapshot.subject
        refs = snapshot.parent_refs
        if refs is None:
            refs = parent_refs_from_card(subject.card, subject.files) if subject.repo_type == "model" else ()
        parents = []
        for ref in refs:
            node = self._node(ref.repo_id, subject.repo_type, ref.revision, path, memo)
            if node is not None:
                parents.append(ParentEdge(node, ref.relation, ref.evidence))
        dataset_ids = snapshot.dataset_refs if snapshot.dataset_refs is not None else subject.card.datasets
        datasets = []
        if subject.repo_type == "model":
            for dataset_id in dataset_ids:
                node = self._node(dataset_id, "dataset", None, path, memo)
                if node is not None:
                    datasets.append(node)
        return replace(subject, parents=tuple(parents), datasets=tuple(datasets))


def dependency_keys(subject: RepoSubject) -> set[tuple[str, str]]:
    """Every (repo_type, repo_id) a verdict on ``subject`` depends on, hidden and off-hub ones included.

    For the hub's own bookkeeping only (recompute a stored verdict when any of these repos gets
    a commit or appears on the hub); never show it to a requester, as it names private repos.
    """
    found: set[tuple[str, str]] = set()
    pending: list[Node] = [subject]
    while pending:
        node = pending.pop()
        inner = node.subject if isinstance(node, HiddenNode) else node
        key = (inner.repo_type, inner.repo_id)
        if key in found:
            continue
        found.add(key)
        if isinstance(inner, RepoSubject):
            pending += [edge.parent for edge in inner.parents] + list(inner.datasets)
    return found
