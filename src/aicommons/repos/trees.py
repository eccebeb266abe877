"""Reading trees: git tree nodes from the metadata store, flattened to path -> FileEntry.

Tree nodes are immutable (content addressed), so a process-wide cache is always correct.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.repos.objects import EMPTY_TREE_OID, FileEntry, TreeNode
from aicommons.storage.tables import GitTree


def node_to_json(node: TreeNode) -> dict:
    return {
        "files": {name: [e.sha256, e.size, e.git_oid, e.lfs] for name, e in node.files.items()},
        "dirs": dict(node.dirs),
    }


def node_from_json(data: dict) -> TreeNode:
    return TreeNode({name: FileEntry(*values) for name, values in data["files"].items()}, dict(data["dirs"]))


class _LRU(OrderedDict):
    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity
        self.lock = threading.Lock()

    def get_item(self, key):
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
        return None

    def put(self, key, value):
        with self.lock:
            self[key] = value
            self.move_to_end(key)
            while len(self) > self.capacity:
                self.popitem(last=False)


class TreeReader:
    def __init__(self, node_capacity: int = 20_000, flat_capacity: int = 256):
        self._nodes = _LRU(node_capacity)
        self._flat = _LRU(flat_capacity)

    def node(self, session: Session, oid: str) -> TreeNode:
        if oid == EMPTY_TREE_OID:
            return TreeNode()
        cached = self._nodes.get_item(oid)
        if cached is None:
            row = session.get(GitTree, oid)
            if row is None:
                raise LookupError(f"tree {oid} is missing from the store")
            cached = node_from_json(row.entries)
            self._nodes.put(oid, cached)
        return cached

    def flatten(self, session: Session, root_oid: str) -> dict[str, FileEntry]:
        """Every file of a tree by full path. Callers must not mutate the result (it is shared)."""
        cached = self._flat.get_item(root_oid)
        if cached is None:
            cached = {}
            self._walk(session, root_oid, "", cached)
            self._flat.put(root_oid, cached)
        return cached

    def _walk(self, session: Session, oid: str, prefix: str, out: dict[str, FileEntry]) -> None:
        node = self.node(session, oid)
        for name, entry in node.files.items():
            out[prefix + name] = entry
        for name, child in node.dirs.items():
            self._walk(session, child, f"{prefix}{name}/", out)

    def subtree_oid(self, session: Session, root_oid: str, directory: str) -> str | None:
        """The oid of a folder inside a tree, or None when there is no such folder."""
        oid = root_oid
        for part in filter(None, directory.split("/")):
            oid = self.node(session, oid).dirs.get(part)
            if oid is None:
                return None
        return oid

    def store_nodes(self, session: Session, nodes: dict[str, TreeNode]) -> None:
        """Insert the nodes the store does not have yet."""
        missing = set(nodes) - {EMPTY_TREE_OID}
        for chunk in _chunks(sorted(missing), 500):
            missing -= set(session.scalars(select(GitTree.oid).where(GitTree.oid.in_(chunk))))
        session.add_all(GitTree(oid=oid, entries=node_to_json(nodes[oid])) for oid in sorted(missing))


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
