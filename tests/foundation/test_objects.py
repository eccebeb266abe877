"""The object model hashes exactly as git does, so ids are stable and anyone can verify them with git."""

import subprocess
from datetime import datetime, timezone

from aicommons.repos.objects import (
    EMPTY_TREE_OID, Commit, FileEntry, Signature, build_tree_nodes, git_blob_id, lfs_pointer,
)


def _git(repo, *args, input=None):
    return subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, check=True).stdout


def test_blob_tree_and_commit_ids_match_git(tmp_path):
    repo = tmp_path / "g"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    files = {"README.md": b"# hello\n", "a/b/c.txt": b"deep\n", "a/z.txt": b"z\n", "a-b.txt": b"dash\n"}
    entries = {}
    for path, content in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        entries[path] = FileEntry("0" * 64, len(content), git_blob_id(content), False)
        assert _git(repo, "hash-object", path).decode().strip() == entries[path].git_oid
    _git(repo, "add", "-A")
    root_oid, nodes = build_tree_nodes(entries)
    assert _git(repo, "write-tree").decode().strip() == root_oid
    assert set(nodes) >= {root_oid}

    when = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    commit = Commit(root_oid, (), Signature("Ada", "ada@example.org"), "first\n\nbody", when)
    git_id = _git(repo, "hash-object", "-t", "commit", "--stdin", input=commit.git_payload()).decode().strip()
    assert git_id == commit.oid


def test_ids_are_stable_and_depend_on_every_field():
    when = datetime(2024, 5, 1, tzinfo=timezone.utc)
    base = Commit(EMPTY_TREE_OID, (), Signature("a", "a@x"), "m", when)
    assert base.oid == Commit(EMPTY_TREE_OID, (), Signature("a", "a@x"), "m", when).oid
    variants = [
        Commit(EMPTY_TREE_OID, ("1" * 40,), Signature("a", "a@x"), "m", when),
        Commit(EMPTY_TREE_OID, (), Signature("b", "a@x"), "m", when),
        Commit(EMPTY_TREE_OID, (), Signature("a", "a@x"), "n", when),
        Commit(EMPTY_TREE_OID, (), Signature("a", "a@x"), "m", when.replace(year=2025)),
        Commit("4b825dc642cb6eb9a060e54bf8d69288fbee4904".replace("4", "5"), (), Signature("a", "a@x"), "m", when),
    ]
    assert len({base.oid, *(v.oid for v in variants)}) == 6


def test_empty_tree_is_gits_empty_tree():
    assert EMPTY_TREE_OID == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def test_lfs_entry_is_named_by_its_pointer():
    sha = "ab" * 32
    entry = FileEntry.lfs_file(sha, 1234)
    pointer = lfs_pointer(sha, 1234)
    assert pointer.startswith(b"version https://git-lfs.github.com/spec/v1\n")
    assert entry.git_oid == git_blob_id(pointer)
    assert entry.pointer_size == len(pointer)
