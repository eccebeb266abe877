"""The commit payload: one JSON object per line, ``{"key": ..., "value": ...}``, a header line first.

Every problem is reported with its line number, before anything is stored.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from aicommons.errors import InvalidInput
from aicommons.repos.commit import AddBlob, AddFile, DeleteFile, DeleteFolder, Operation


@dataclass
class CommitPayload:
    summary: str
    description: str = ""
    parent_commit: str | None = None
    operations: list[Operation] = field(default_factory=list)

    @property
    def message(self) -> str:
        return f"{self.summary}\n\n{self.description}" if self.description.strip() else self.summary


def parse_commit_payload(body: bytes) -> CommitPayload:
    payload = None
    for number, raw in enumerate(body.split(b"\n"), start=1):
        if not raw.strip():
            continue
        key, value = _line(number, raw)
        if payload is None:
            if key != "header":
                raise InvalidInput("header", f"line {number}: the first line must be the 'header', not {key!r}")
            payload = _header(number, value)
        elif key == "header":
            raise InvalidInput("header", f"line {number}: only the first line may be a 'header'")
        else:
            payload.operations.append(_operation(number, key, value))
    if payload is None:
        raise InvalidInput("body", "empty commit payload: expected a 'header' line")
    return payload


def _line(number: int, raw: bytes) -> tuple[str, dict]:
    try:
        line = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput("body", f"line {number}: not valid JSON ({error})") from None
    if not isinstance(line, dict):
        raise InvalidInput("body", f"line {number}: expected a JSON object with 'key' and 'value'")
    unknown = set(line) - {"key", "value"}
    if unknown:
        raise InvalidInput("body", f"line {number}: unknown field(s) {', '.join(sorted(unknown))}; "
                                   "a line has only 'key' and 'value'")
    key, value = line.get("key"), line.get("value")
    if not isinstance(key, str) or not isinstance(value, dict):
        raise InvalidInput("body", f"line {number}: 'key' must be a string and 'value' an object")
    return key, value


def _header(number: int, value: dict) -> CommitPayload:
    summary = value.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise InvalidInput("summary", f"line {number}: the header needs a non-empty 'summary' (the commit title)")
    description = value.get("description") or ""
    parent = value.get("parentCommit")
    if not isinstance(description, str) or (parent is not None and not isinstance(parent, str)):
        raise InvalidInput("header", f"line {number}: 'description' and 'parentCommit' must be strings")
    return CommitPayload(summary.strip(), description, parent or None)


def _operation(number: int, key: str, value: dict) -> Operation:
    path = value.get("path")
    if not isinstance(path, str) or not path:
        raise InvalidInput("path", f"line {number}: {key!r} needs a 'path'")
    if key == "file":
        if value.get("encoding", "base64") != "base64":
            raise InvalidInput("encoding", f"line {number}: unsupported encoding {value.get('encoding')!r}; "
                                           "send content as base64")
        content = value.get("content")
        if not isinstance(content, str):
            raise InvalidInput("content", f"line {number}: {path}: 'content' must be a base64 string")
        try:
            return AddFile(path, base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidInput("content", f"line {number}: {path}: 'content' is not valid base64") from None
    if key == "lfsFile":
        if value.get("algo", "sha256") != "sha256":
            raise InvalidInput("algo", f"line {number}: {path}: unsupported hash {value.get('algo')!r}; use sha256")
        oid, size = value.get("oid"), value.get("size")
        if not isinstance(oid, str):
            raise InvalidInput("oid", f"line {number}: {path}: 'oid' must be the sha256 of the content")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise InvalidInput("size", f"line {number}: {path}: 'size' must be a non-negative integer")
        return AddBlob(path, oid.lower(), size, lfs=True)
    if key == "deletedFile":
        return DeleteFile(path)
    if key == "deletedFolder":
        return DeleteFolder(path)
    raise InvalidInput("key", f"line {number}: unknown key {key!r}; expected file, lfsFile, deletedFile "
                              "or deletedFolder")
