"""Which files a ``.gitignore`` leaves out, for the preupload ``shouldIgnore`` answer.

Covers the rules people use in practice: comments, ``!`` negation, trailing ``/`` for folders, anchoring by
a ``/`` inside the pattern, ``*``, ``?``, ``[...]`` and ``**``. The last matching rule wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern
    negated: bool
    folders_only: bool


def parse_gitignore(text: str) -> list[_Rule]:
    rules = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:] if negated else line.removeprefix("\\")
        folders_only = pattern.endswith("/")
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        anchored = "/" in pattern
        body = _translate(pattern.lstrip("/"))
        rules.append(_Rule(re.compile(body if anchored else f"(?:.*/)?{body}"), negated, folders_only))
    return rules


def is_ignored(rules: list[_Rule], path: str) -> bool:
    parts = path.split("/")
    folders = ["/".join(parts[:i]) for i in range(1, len(parts))]
    ignored = False
    for rule in rules:
        candidates = folders if rule.folders_only else [*folders, path]
        if any(rule.regex.fullmatch(c) for c in candidates):
            ignored = not rule.negated
    return ignored


def _translate(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            members = pattern[i + 1:end]
            members = "^" + members[1:] if members.startswith("!") else members
            out.append("[" + members.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)
