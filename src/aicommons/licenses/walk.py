"""Walk a repo's lineage and training data, listing every licence that reaches it and how."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog, Clause, Expression, Scope, Term
from .inputs import ExternalNode, HiddenNode, Node, Relation, RepoSubject
from .resolution import Resolution, resolve, terms

PRIVATE_LABEL = "an upstream private repo"
MAX_DEPTH = 32


@dataclass(frozen=True)
class Holder:
    """A repo that carries a licence, as outputs may name it."""

    label: str
    repo_id: str | None
    repo_type: str
    hidden: bool = False
    external: bool = False


@dataclass(frozen=True)
class Application:
    """One licence expression reaching the subject, from one repo, in one position."""

    holder: Holder
    scope: Scope
    path: tuple[str, ...]
    via_adapter: bool
    expression: Expression
    resolution: Resolution | None
    node: RepoSubject | None

    @property
    def rank(self) -> tuple[int, int, int]:
        """Lower is stronger: a visible holder, then self > derived > adapter > training data."""
        position = {Scope.SELF: 0, Scope.DERIVATIVE: 1, Scope.TRAINED_ON: 3}[self.scope] + self.via_adapter
        return (int(self.holder.hidden), position, len(self.path))


@dataclass(frozen=True)
class MergePoint:
    """A merge in the lineage and the pass-on licence families each of its parents brings."""

    holder: Holder
    families_by_parent: tuple[frozenset[str], ...]


@dataclass
class Lineage:
    subject: RepoSubject
    applications: list[Application]
    merges: list[MergePoint]

    @property
    def own(self) -> Application:
        return self.applications[0]

    @property
    def upstream(self) -> list[Application]:
        return self.applications[1:]


def _key(node: Node) -> tuple:
    if isinstance(node, HiddenNode):
        node = node.subject
    if isinstance(node, ExternalNode):
        return ("external", node.repo_type, node.repo_id)
    return (node.repo_type, node.repo_id, node.revision)


class _Walker:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.found: dict[tuple, Application] = {}
        self.merges: list[MergePoint] = []
        self.family_memo: dict[tuple, frozenset[str]] = {}

    def holder(self, node: Node, hidden: bool) -> Holder:
        if isinstance(node, HiddenNode):
            node, hidden = node.subject, True
        if hidden:
            return Holder(PRIVATE_LABEL, None, node.repo_type, hidden=True)
        if isinstance(node, ExternalNode):
            return Holder(node.repo_id, node.repo_id, node.repo_type, external=True)
        return Holder(node.repo_id, node.repo_id, node.repo_type)

    def add(self, node: Node, scope: Scope, path: tuple[str, ...], via_adapter: bool, hidden: bool) -> None:
        holder = self.holder(node, hidden)
        inner = node.subject if isinstance(node, HiddenNode) else node
        if isinstance(inner, ExternalNode):
            app = Application(holder, scope, path, via_adapter, Term(self.catalog.unknown, "not on this hub"),
                              None, None)
        else:
            resolution = resolve(inner, self.catalog)
            app = Application(holder, scope, path, via_adapter, resolution.expression, resolution, inner)
        key = _key(node)
        if key not in self.found or app.rank < self.found[key].rank:
            self.found[key] = app

    def visit(self, node: Node, scope: Scope, path: tuple[str, ...], via_adapter: bool, hidden: bool,
              ancestry: frozenset) -> None:
        key = _key(node)
        if key in ancestry or len(path) > MAX_DEPTH:
            return  # a cycle or a runaway chain in lineage data; each repo counts once
        self.add(node, scope, path, via_adapter, hidden)
        hidden = hidden or isinstance(node, HiddenNode)
        inner = node.subject if isinstance(node, HiddenNode) else node
        if isinstance(inner, ExternalNode) or scope is Scope.TRAINED_ON:
            return
        ancestry = ancestry | {key}
        for dataset in inner.datasets:
            self.visit(dataset, Scope.TRAINED_ON, path + ("trained-on",), False, hidden, ancestry)
        for edge in inner.parents:
            self.visit(edge.parent, Scope.DERIVATIVE, path + (edge.relation.value,),
                       via_adapter or edge.relation is Relation.ADAPTER, hidden, ancestry)
        merged = [edge.parent for edge in inner.parents if edge.relation is Relation.MERGE]
        if len(merged) > 1:
            self.merges.append(MergePoint(self.holder(node, hidden),
                                          tuple(self.families(p, ancestry) for p in merged)))

    def families(self, node: Node, ancestry: frozenset) -> frozenset[str]:
        """Families of pass-on licences a parent brings (its own and everything upstream of it)."""
        key = _key(node)
        if key in self.family_memo:
            return self.family_memo[key]
        inner = node.subject if isinstance(node, HiddenNode) else node
        found: set[str] = set()
        if isinstance(inner, RepoSubject) and key not in ancestry:
            found |= {t.license.family for t in terms(resolve(inner, self.catalog).expression) if t.license.passes_on}
            for edge in inner.parents:
                found |= self.families(edge.parent, ancestry | {key})
        self.family_memo[key] = frozenset(found)
        return self.family_memo[key]


def walk(subject: RepoSubject, catalog: Catalog) -> Lineage:
    walker = _Walker(catalog)
    walker.visit(subject, Scope.SELF, (), False, False, frozenset())
    applications = sorted(walker.found.values(), key=lambda a: a.rank)
    return Lineage(subject, applications, walker.merges)


def _is_multimodal(node: RepoSubject | None, catalog: Catalog) -> bool:
    if node is None:
        return False
    facts = catalog.conditions.get("multimodal", {})
    return node.card.pipeline_tag in facts.get("pipeline_tags", ()) or bool(
        set(node.card.tags) & set(facts.get("tags", ())))


def applies(clause: Clause, app: Application, subject: RepoSubject, catalog: Catalog) -> bool:
    """Whether a (non-permission) clause of a licence reaches the subject through this application."""
    if app.scope not in clause.scope:
        return False
    if clause.when == "multimodal":
        # the holder's modality is unknown when it is not on the hub: assume the clause may apply
        return app.node is None or _is_multimodal(app.node, catalog) or _is_multimodal(subject, catalog)
    return clause.when is None
