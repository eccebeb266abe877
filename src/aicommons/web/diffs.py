"""What a commit changed: files added, deleted or modified, with line diffs (difflib) for text files."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from aicommons.hub import Hub
from aicommons.repos.objects import FileEntry
from aicommons.web.highlight import looks_binary

CONTEXT_LINES = 3
MAX_DIFF_BYTES = 512 * 1024  # per side; larger files are listed without their lines
MAX_FILES_WITH_LINES = 50
MAX_LINES = 20_000


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "hunk" | "context" | "add" | "del"
    old_no: int | None
    new_no: int | None
    text: str


@dataclass
class FileDiff:
    path: str
    status: str  # "added" | "deleted" | "modified"
    old: FileEntry | None
    new: FileEntry | None
    lines: list[DiffLine] = field(default_factory=list)
    note: str | None = None  # why no lines are shown
    additions: int = 0
    deletions: int = 0


def diff_files(hub: Hub, old: dict[str, FileEntry], new: dict[str, FileEntry]) -> list[FileDiff]:
    changed = sorted(path for path in old.keys() | new.keys() if _identity(old.get(path)) != _identity(new.get(path)))
    out = []
    for index, path in enumerate(changed):
        before, after = old.get(path), new.get(path)
        status = "added" if before is None else "deleted" if after is None else "modified"
        diff = FileDiff(path, status, before, after)
        if index >= MAX_FILES_WITH_LINES:
            diff.note = "Not shown: this commit changes many files."
        else:
            _fill_lines(hub, diff)
        out.append(diff)
    return out


def _identity(entry: FileEntry | None):
    return None if entry is None else (entry.sha256, entry.lfs)


def _fill_lines(hub: Hub, diff: FileDiff) -> None:
    sides = [diff.old, diff.new]
    if any(entry is not None and entry.lfs for entry in sides):
        diff.note = "Stored with LFS: compare the files by downloading them."
        return
    if any(entry is not None and entry.size > MAX_DIFF_BYTES for entry in sides):
        diff.note = "Too large to show line by line."
        return
    contents = [hub.blobs.read(entry.sha256) if entry else b"" for entry in sides]
    if any(looks_binary(content) for content in contents):
        diff.note = "Binary file."
        return
    before, after = (content.decode("utf-8", "replace").splitlines() for content in contents)
    if len(before) + len(after) > MAX_LINES:
        diff.note = "Too many lines to show."
        return
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        first, last = group[0], group[-1]
        diff.lines.append(DiffLine("hunk", None, None,
                                   f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                diff.lines += [DiffLine("context", i1 + k + 1, j1 + k + 1, before[i1 + k]) for k in range(i2 - i1)]
                continue
            diff.lines += [DiffLine("del", i + 1, None, before[i]) for i in range(i1, i2)]
            diff.lines += [DiffLine("add", None, j + 1, after[j]) for j in range(j1, j2)]
            diff.deletions += i2 - i1
            diff.additions += j2 - j1
