"""What both BOM formats need from a subject: licences, upstream entries and card facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from typing import Any, Iterator

from aicommons.licenses.catalog import AllOf, Catalog, Expression, Term
from aicommons.licenses.inputs import ExternalNode, HiddenNode, Node, Relation, RepoSubject
from aicommons.licenses.resolution import resolve

PRIVATE_MODEL = "private upstream model"
PRIVATE_DATASET = "private dataset"


def tool_version() -> str:
    try:
        return metadata.version("aicommons")
    except metadata.PackageNotFoundError:
        return "0"


def spdx_expression(expression: Expression) -> str:
    """The expression with SPDX ids, and LicenseRef-... for licences SPDX does not list."""
    if isinstance(expression, Term):
        text = expression.license.spdx_id
        return f"{text} WITH {expression.exception}" if expression.exception else text
    joiner = " AND " if isinstance(expression, AllOf) else " OR "
    return joiner.join(spdx_expression(p) if isinstance(p, Term) else f"({spdx_expression(p)})"
                       for p in expression.parts)


def license_terms(expression: Expression) -> list[Term]:
    if isinstance(expression, Term):
        return [expression]
    return [t for part in expression.parts for t in license_terms(part)]


def is_resolved(expression: Expression) -> bool:
    return all(not t.license.is_unresolved for t in license_terms(expression))


@dataclass(frozen=True)
class Entry:
    """One repo in a BOM: the subject, an ancestor or a training dataset."""

    node: Node
    name: str
    repo_type: str
    revision: str | None
    expression: Expression
    subject: RepoSubject | None  # None when not on the hub
    hidden: bool
    relation: Relation | None = None

    @property
    def owner(self) -> str | None:
        if self.hidden or "/" not in self.name:
            return None
        return self.name.split("/", 1)[0]


def entry(node: Node, catalog: Catalog, relation: Relation | None = None, hidden: bool = False) -> Entry:
    """Describe a node; anything hidden, or upstream of something hidden, is not named."""
    if isinstance(node, HiddenNode):
        hidden = True
    inner = node.subject if isinstance(node, HiddenNode) else node
    if isinstance(inner, ExternalNode):
        expression: Expression = Term(catalog.unknown, "not on this hub")
        return Entry(node, _name(inner.repo_id, inner.repo_type, hidden), inner.repo_type, None, expression,
                     None, hidden, relation)
    expression = resolve(inner, catalog).expression
    return Entry(node, _name(inner.repo_id, inner.repo_type, hidden), inner.repo_type,
                 None if hidden else inner.revision, expression, inner, hidden, relation)


def _name(repo_id: str, repo_type: str, hidden: bool) -> str:
    if not hidden:
        return repo_id
    return PRIVATE_DATASET if repo_type == "dataset" else PRIVATE_MODEL


def parents(e: Entry, catalog: Catalog) -> Iterator[Entry]:
    if e.subject is None:
        return
    for edge in e.subject.parents:
        yield entry(edge.parent, catalog, edge.relation, e.hidden)


def datasets(e: Entry, catalog: Catalog) -> Iterator[Entry]:
    if e.subject is None:
        return
    for node in e.subject.datasets:
        yield entry(node, catalog, None, e.hidden)


def timestamp(subject: RepoSubject) -> datetime:
    """The commit time when known, so the same revision always gives the same BOM."""
    moment = subject.last_modified or datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def performance_metrics(subject: RepoSubject) -> list[dict[str, Any]]:
    """Metrics the card's model-index claims, flattened: type, value, dataset slice."""
    found = []
    for item in subject.card.model_index:
        for result in item.get("results") or ():
            if not isinstance(result, dict):
                continue
            dataset = result.get("dataset") or {}
            slice_name = str(dataset.get("name") or dataset.get("type") or "")
            for metric in result.get("metrics") or ():
                if isinstance(metric, dict) and metric.get("value") is not None:
                    found.append({"type": str(metric.get("type") or metric.get("name")),
                                  "value": str(metric["value"]), "slice": slice_name})
    return found


def architectures(subject: RepoSubject) -> list[str]:
    value = subject.config.get("architectures") or []
    return [str(a) for a in value] if isinstance(value, list) else [str(value)]
