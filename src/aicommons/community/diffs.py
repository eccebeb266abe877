"""Git-style text diffs between two trees, and the file-level three-way merge that pull requests use."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from aicommons.hub import Hub
from aicommons.repos.objects import FileEntry

MAX_TEXT_BYTES = 512 * 1024  # per side: larger files are reported as changed without their lines
MAX_DIFF_CHARS = 2 * 1024 * 1024

Files = dict[str, FileEntry]


def same(a: FileEntry | None, b: FileEntry | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and (a.sha256, a.lfs) == (b.sha256, b.lfs))


def changed_paths(old: Files, new: Files) -> list[str]:
    return sorted(path for path in old.keys() | new.keys() if not same(old.get(path), new.get(path)))


@dataclass(frozen=True)
class MergeResult:
    files: Files  # the merged tree
    conflicts: tuple[str, ...]


def three_way(base: Files, ours: Files, theirs: Files) -> MergeResult:
    """Merge file by file: a side that left a file as it was in ``base`` takes the other side's version; two
    different changes to one file are a conflict (a file's lines are never merged, so nothing is overwritten)."""
    merged: Files = {}
    conflicts = []
    for path in sorted(base.keys() | ours.keys() | theirs.keys()):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if same(t, b) or same(o, t):
            result = o
        elif same(o, b):
            result = t
        else:
            conflicts.append(path)
            result = o
        if result is not None:
            merged[path] = result
    return MergeResult(merged, tuple(conflicts))


def unified_diff(hub: Hub, old: Files, new: Files) -> str:
    """The changes from ``old`` to ``new`` as ``git diff`` prints them; binary and LFS files are named only."""
    out: list[str] = []
    size = 0
    for path in changed_paths(old, new):
        before, after = old.get(path), new.get(path)
        chunk = _file_diff(hub, path, before, after)
        size += len(chunk)
        if size > MAX_DIFF_CHARS:
            out.append(f"diff --git a/{path} b/{path}\n(diff truncated: too large to show)\n")
            break
        out.append(chunk)
    return "".join(out)


def _file_diff(hub: Hub, path: str, before: FileEntry | None, after: FileEntry | None) -> str:
    header = [f"diff --git a/{path} b/{path}\n"]
    if before is None:
        header.append("new file mode 100644\n")
    elif after is None:
        header.append("deleted file mode 100644\n")
    header.append(f"index {before.git_oid[:7] if before else '0000000'}..{after.git_oid[:7] if after else '0000000'}\n")
    old_name, new_name = (f"a/{path}" if before else "/dev/null"), (f"b/{path}" if after else "/dev/null")
    texts = [_text(hub, entry) for entry in (before, after)]
    if any(text is None for text in texts):
        return "".join(header) + f"Binary files {old_name} and {new_name} differ\n"
    lines = difflib.unified_diff(texts[0].splitlines(keepends=True), texts[1].splitlines(keepends=True),
                                 old_name, new_name)
    body = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return "".join(header) + body


def _text(hub: Hub, entry: FileEntry | None) -> str | None:
    """A file's text, '' when absent, None when it cannot be shown as text (LFS, large or binary)."""
    if entry is None:
        return ""
    if entry.lfs or entry.size > MAX_TEXT_BYTES:
        return None
    content = hub.blobs.read(entry.sha256)
    if b"\0" in content[:8000]:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None
