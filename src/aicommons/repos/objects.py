"""The versioned object model, hashed the way git hashes it.

Commits and trees are git objects, so a commit id is the git sha1 of its content and any git tool
can verify it. A file's content is stored once by sha256; its tree entry carries the git blob id,
which for a large (LFS) file is the id of the small pointer file that git would store instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

LFS_POINTER_TEMPLATE = "version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"
GIT_TREE_MODE = b"40000"
GIT_FILE_MODE = b"100644"


def git_object_id(kind: str, payload: bytes) -> str:
    header = f"{kind} {len(payload)}\0".encode()
    return hashlib.sha1(header + payload).hexdigest()


def git_blob_id(content: bytes) -> str:
    return git_object_id("blob", content)


def lfs_pointer(sha256: str, size: int) -> bytes:
    return LFS_POINTER_TEMPLATE.format(sha256=sha256, size=size).encode()


@dataclass(frozen=True)
class FileEntry:
    """One file of a tree: where its content is (sha256) and how git names it (git_oid)."""

    sha256: str
    size: int
    git_oid: str
    lfs: bool

    @classmethod
    def lfs_file(cls, sha256: str, size: int) -> "FileEntry":
        return cls(sha256, size, git_blob_id(lfs_pointer(sha256, size)), True)

    @property
    def pointer_size(self) -> int:
        return len(lfs_pointer(self.sha256, self.size))


@dataclass(frozen=True)
class TreeNode:
    """A directory as git stores it: its entries name files or subdirectories (by their oid)."""

    files: dict[str, FileEntry] = field(default_factory=dict)
    dirs: dict[str, str] = field(default_factory=dict)

    def git_payload(self) -> bytes:
        items = [(name, GIT_FILE_MODE, entry.git_oid) for name, entry in self.files.items()]
        items += [(name, GIT_TREE_MODE, oid) for name, oid in self.dirs.items()]
        # git orders a directory as if its name ended with '/'
        items.sort(key=lambda item: item[0] + ("/" if item[1] == GIT_TREE_MODE else ""))
        return b"".join(mode + b" " + name.encode() + b"\0" + bytes.fromhex(oid) for name, mode, oid in items)

    @property
    def oid(self) -> str:
        return git_object_id("tree", self.git_payload())


EMPTY_TREE_OID = TreeNode().oid


@dataclass(frozen=True)
class Signature:
    name: str
    email: str

    def git_line(self, when: datetime) -> str:
        return f"{self.name} <{self.email}> {int(when.timestamp())} +0000"


@dataclass(frozen=True)
class Commit:
    tree_oid: str
    parents: tuple[str, ...]
    author: Signature
    message: str
    created_at: datetime

    def git_payload(self) -> bytes:
        lines = [f"tree {self.tree_oid}"]
        lines += [f"parent {p}" for p in self.parents]
        lines.append(f"author {self.author.git_line(self.created_at)}")
        lines.append(f"committer {self.author.git_line(self.created_at)}")
        return ("\n".join(lines) + "\n\n" + self.message).encode()

    @property
    def oid(self) -> str:
        return git_object_id("commit", self.git_payload())

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


def utcnow() -> datetime:
    # git keeps whole seconds; keeping them here too makes ids recomputable from stored rows
    return datetime.now(timezone.utc).replace(microsecond=0)


def build_tree_nodes(files: dict[str, FileEntry]) -> tuple[str, dict[str, TreeNode]]:
    """Turn a flat path -> entry map into git tree nodes. Returns the root oid and every node by oid."""
    children: dict[str, TreeNode] = {"": TreeNode()}
    for path, entry in files.items():
        parent, _, name = path.rpartition("/")
        _ensure_dirs(children, parent)
        children[parent].files[name] = entry
    nodes: dict[str, TreeNode] = {}
    # deepest directories first, so each parent sees its children's final oids
    for directory in sorted(children, key=lambda d: d.count("/") + bool(d), reverse=True):
        node = children[directory]
        oid = node.oid
        nodes[oid] = node
        if directory:
            parent, _, name = directory.rpartition("/")
            children[parent].dirs[name] = oid
    return children[""].oid, nodes


def _ensure_dirs(children: dict[str, TreeNode], directory: str) -> None:
    while directory and directory not in children:
        children[directory] = TreeNode()
        directory = directory.rpartition("/")[0]
