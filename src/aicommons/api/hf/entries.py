"""Files and folders of a commit as the Hub lists them (tree, paths-info, siblings), and their last commits.

LFS files uploaded through Xet carry ``xetHash``, so hf_xet clients fetch them from the CAS directly.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from aicommons.api.hf.dates import iso_date
from aicommons.api.xet.advertise import add_xet_hashes
from aicommons.errors import EntryNotFound
from aicommons.hub import Hub
from aicommons.repos.objects import FileEntry
from aicommons.repos.reading import Snapshot
from aicommons.storage.tables import CommitRow

MAX_HISTORY_WALK = 2000  # commits walked to find when a path last changed


def file_json(path: str, entry: FileEntry) -> dict:
    item = {"type": "file", "oid": entry.git_oid, "size": entry.size, "path": path}
    if entry.lfs:
        item["lfs"] = {"oid": entry.sha256, "size": entry.size, "pointerSize": entry.pointer_size}
    return item


def dir_json(path: str, oid: str) -> dict:
    return {"type": "directory", "oid": oid, "size": 0, "path": path}


def sibling_json(path: str, entry: FileEntry, with_blobs: bool) -> dict:
    item = {"rfilename": path}
    if with_blobs:
        item.update(size=entry.size, blobId=entry.git_oid)
        if entry.lfs:
            item["lfs"] = {"size": entry.size, "sha256": entry.sha256, "pointerSize": entry.pointer_size}
    return item


def list_tree(hub: Hub, snap: Snapshot, directory: str, recursive: bool) -> list[dict]:
    """The entries under ``directory`` (direct children, or everything below it), folders before their content."""
    directory = directory.strip("/")
    out: list[dict] = []
    with hub.db.read() as session:
        oid = hub.trees.subtree_oid(session, snap.tree_oid, directory)
        if oid is None:
            what = "a file, not a folder" if directory in snap.files else "not found"
            raise EntryNotFound(f"{directory!r} is {what} at {snap.commit_oid}", commit=snap.commit_oid)
        _walk(hub, session, oid, f"{directory}/" if directory else "", recursive, out)
    return add_xet_hashes(hub, out)


def _walk(hub: Hub, session: Session, oid: str, prefix: str, recursive: bool, out: list[dict]) -> None:
    node = hub.trees.node(session, oid)
    children = [(name, False) for name in node.files] + [(name, True) for name in node.dirs]
    for name, is_dir in sorted(children):
        path = prefix + name
        if is_dir:
            out.append(dir_json(path, node.dirs[name]))
            if recursive:
                _walk(hub, session, node.dirs[name], f"{path}/", recursive, out)
        else:
            out.append(file_json(path, node.files[name]))


def paths_info(hub: Hub, snap: Snapshot, paths: list[str]) -> list[dict]:
    """Entries for those of ``paths`` that exist, files or folders, in the order asked."""
    out = []
    with hub.db.read() as session:
        for path in dict.fromkeys(p.strip("/") for p in paths):
            if not path:
                continue
            if path in snap.files:
                out.append(file_json(path, snap.files[path]))
            else:
                oid = hub.trees.subtree_oid(session, snap.tree_oid, path)
                if oid is not None:
                    out.append(dir_json(path, oid))
    return add_xet_hashes(hub, out)


def add_last_commits(hub: Hub, repo_pk: int, commit_oid: str, items: list[dict]) -> None:
    """Set ``lastCommit`` on each entry: the newest commit (along first parents) that changed it."""
    wanted = {item["path"]: item["oid"] for item in items}
    found: dict[str, CommitRow] = {}
    with hub.db.read() as session:
        row = oldest = session.get(CommitRow, (repo_pk, commit_oid))
        for _ in range(MAX_HISTORY_WALK):
            if row is None or not wanted:
                break
            parent = session.get(CommitRow, (repo_pk, row.parents[0])) if row.parents else None
            for path, oid in list(wanted.items()):
                if parent is None or _oid_at(hub, session, parent.tree_oid, path) != oid:
                    found[path] = row
                    del wanted[path]
            oldest, row = row, parent
        for path in wanted:  # history longer than the walk: the oldest commit reached is the best answer
            found[path] = oldest
    for item in items:
        row = found[item["path"]]
        item["lastCommit"] = {"id": row.oid, "title": row.message.split("\n", 1)[0], "date": iso_date(row.created_at)}


def _oid_at(hub: Hub, session: Session, tree_oid: str, path: str) -> str | None:
    folder, _, name = path.rpartition("/")
    parent = hub.trees.subtree_oid(session, tree_oid, folder)
    if parent is None:
        return None
    node = hub.trees.node(session, parent)
    if name in node.files:
        return node.files[name].git_oid
    return node.dirs.get(name)
