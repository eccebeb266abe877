"""Card metadata per commit, for lists, facets and search: the one place the pages read it from.

For now it parses the front matter of the commit's README.md and caches the result by commit id (a
commit's content never changes, so the cache is always right). The cards index will answer instead.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable

import yaml
from sqlalchemy import select

from aicommons.cards.frontmatter import parse_front_matter
from aicommons.hub import Hub
from aicommons.storage.tables import CommitRow

CARD_PATH = "README.md"
MAX_CARD_BYTES = 1024 * 1024
CARD_FACETS = ("task", "library", "language", "license")


@dataclass(frozen=True)
class CardMeta:
    tasks: tuple[str, ...] = ()
    library: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def facet(self, name: str) -> tuple[str, ...]:
        return {"task": self.tasks, "library": self.library, "language": self.languages,
                "license": self.licenses}[name]

    @classmethod
    def from_front_matter(cls, data: dict) -> "CardMeta":
        # models name their task pipeline_tag, datasets list task_categories (Hub card conventions)
        return cls(
            tasks=_strings(data.get("pipeline_tag")) + _strings(data.get("task_categories")),
            library=_strings(data.get("library_name")),
            languages=_strings(data.get("language")),
            licenses=_strings(data.get("license")),
            tags=_strings(data.get("tags")),
        )


EMPTY = CardMeta()


def _strings(value) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        if isinstance(item, (str, int, float)) and not isinstance(item, bool) and str(item).strip():
            text = str(item).strip()
            if text not in out:
                out.append(text)
    return tuple(out)


class _Cache:
    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self.items: OrderedDict[str, CardMeta] = OrderedDict()
        self.lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, CardMeta]:
        with self.lock:
            return {key: self.items[key] for key in keys if key in self.items}

    def put(self, key: str, value: CardMeta) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.capacity:
                self.items.popitem(last=False)


_cache = _Cache()


def card_metadata(hub: Hub, commit_oids: Iterable[str]) -> dict[str, CardMeta]:
    """Card metadata of each commit, by commit id (commits without a readable card get an empty one)."""
    wanted = {oid for oid in commit_oids if oid}
    found = _cache.get_many(wanted)
    missing = sorted(wanted - found.keys())
    if missing:
        with hub.db.read() as session:
            for start in range(0, len(missing), 500):
                chunk = missing[start:start + 500]
                # a commit id fixes its tree, so the same id in two repos names the same card
                for oid, tree_oid in session.execute(
                    select(CommitRow.oid, CommitRow.tree_oid).where(CommitRow.oid.in_(chunk)).distinct()
                ):
                    if oid not in found:
                        found[oid] = _read_meta(hub, session, tree_oid)
                        _cache.put(oid, found[oid])
    return found


def _read_meta(hub: Hub, session, tree_oid: str) -> CardMeta:
    entry = hub.trees.node(session, tree_oid).files.get(CARD_PATH)
    if entry is None or entry.size > MAX_CARD_BYTES:
        return EMPTY
    try:
        return CardMeta.from_front_matter(parse_front_matter(hub.blobs.read(entry.sha256).decode("utf-8", "replace")))
    except (yaml.YAMLError, ValueError):
        return EMPTY  # a card with broken front matter simply has no facets
