"""Plain typed inputs of the licence engine, openness grading and BOM export.

The hub builds these from its index (see ``graph.py``); tests build them by hand.
Nothing here knows about storage, HTTP or the requesting user: visibility is
already decided when the graph is built (a private repo the requester cannot
see arrives as a ``HiddenNode``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Mapping, Union


class Relation(str, Enum):
    """How a model derives from a parent (the card's ``base_model_relation``)."""

    FINETUNE = "finetune"
    ADAPTER = "adapter"
    MERGE = "merge"
    QUANTIZED = "quantized"


@dataclass(frozen=True)
class RepoFile:
    path: str
    size: int
    sha256: str | None = None


def _as_tuple(value: Any) -> tuple[str, ...]:
    """Card fields may hold one string or a list of them."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value if item is not None)


@dataclass(frozen=True)
class Card:
    """The card fields the trust layer reads; ``metadata`` keeps the whole front matter."""

    license: tuple[str, ...] = ()
    license_name: str | None = None
    license_link: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    base_model: tuple[str, ...] = ()
    base_model_relation: str | None = None
    datasets: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    model_index: tuple[Mapping[str, Any], ...] = ()
    text: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any] | None, text: str = "") -> "Card":
        """Build from a card's parsed YAML front matter and its Markdown body."""
        meta = dict(metadata or {})
        name = meta.get("license_name")
        link = meta.get("license_link")
        index = meta.get("model-index") or meta.get("model_index") or ()
        return cls(
            license=_as_tuple(meta.get("license")),
            license_name=str(name) if name is not None else None,
            license_link=str(link) if link is not None else None,
            pipeline_tag=meta.get("pipeline_tag"),
            library_name=meta.get("library_name"),
            base_model=_as_tuple(meta.get("base_model")),
            base_model_relation=meta.get("base_model_relation"),
            datasets=_as_tuple(meta.get("datasets")),
            tags=_as_tuple(meta.get("tags")),
            language=_as_tuple(meta.get("language")),
            model_index=tuple(entry for entry in index if isinstance(entry, Mapping)),
            text=text,
            metadata=meta,
        )


@dataclass(frozen=True)
class ExternalNode:
    """An upstream repo named by a card but not held by this hub: only its id is known."""

    repo_id: str
    repo_type: str = "model"


@dataclass(frozen=True)
class HiddenNode:
    """A private upstream repo the requester may not see.

    Its licence and everything upstream of it count in verdicts, but no output
    names it: reasons say "an upstream private repo" instead.
    """

    subject: "RepoSubject"


Node = Union["RepoSubject", ExternalNode, HiddenNode]


@dataclass(frozen=True)
class ParentEdge:
    parent: Node
    relation: Relation
    evidence: str = "card base_model"


@dataclass(frozen=True)
class RepoSubject:
    """One repo (model or dataset) at one commit, with its upstream graph."""

    repo_id: str
    repo_type: str = "model"
    revision: str | None = None
    card: Card = field(default_factory=Card)
    files: tuple[RepoFile, ...] = ()
    license_texts: Mapping[str, str] = field(default_factory=dict)
    notice_texts: Mapping[str, str] = field(default_factory=dict)
    parents: tuple[ParentEdge, ...] = ()
    datasets: tuple[Node, ...] = ()
    refs: tuple[str, ...] = ()
    author: str | None = None
    last_modified: datetime | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The repo name without its owner, as licence naming rules read it."""
        return self.repo_id.rsplit("/", 1)[-1]
