"""Validation of repo ids and file paths, with errors that name what is wrong."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from aicommons.errors import InvalidInput

MAX_PATH_BYTES = 1024
MAX_SEGMENT_BYTES = 255
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,96}$")


class RepoType(StrEnum):
    MODEL = "model"
    DATASET = "dataset"

    @property
    def url_prefix(self) -> str:
        """Models live at /{id}, everything else at /{type}s/{id}, as on the Hugging Face Hub."""
        return "" if self is RepoType.MODEL else f"{self.value}s/"

    @classmethod
    def parse(cls, value: str | None) -> "RepoType":
        try:
            return cls((value or "model").removesuffix("s"))
        except ValueError:
            raise InvalidInput("repo_type", f"unknown repo type {value!r}; use 'model' or 'dataset'") from None


def check_name(name: str, field: str = "name") -> str:
    """A namespace or repo name: letters, digits, '_', '-', '.', without '--', '..' or an edge '-'/'.'."""
    problem = None
    if not _NAME.match(name or ""):
        problem = "use 1 to 96 letters, digits, '_', '-' or '.'"
    elif name[0] in "-." or name[-1] in "-.":
        problem = "must not start or end with '-' or '.'"
    elif "--" in name or ".." in name:
        problem = "must not contain '--' or '..'"
    elif name.lower().endswith(".git"):
        problem = "must not end with '.git'"
    if problem:
        raise InvalidInput(field, f"invalid {field} {name!r}: {problem}")
    return name


def split_repo_id(repo_id: str) -> tuple[str, str]:
    namespace, sep, name = (repo_id or "").partition("/")
    if not sep or "/" in name:
        raise InvalidInput("repo_id", f"invalid repo id {repo_id!r}: expected 'namespace/name'")
    return check_name(namespace, "namespace"), check_name(name, "name")


def check_path(path: str) -> str:
    """A file path inside a repo. Rejects anything that could escape the repo or confuse a checkout."""

    def bad(why: str) -> InvalidInput:
        return InvalidInput("path", f"invalid path {path!r}: {why}")

    if not isinstance(path, str) or not path:
        raise bad("empty path")
    if "\\" in path:
        raise bad("backslashes are not allowed")
    if any(unicodedata.category(ch) == "Cc" for ch in path):
        raise bad("control characters (including NUL) are not allowed")
    if path.startswith("/"):
        raise bad("absolute paths are not allowed")
    if len(path.encode()) > MAX_PATH_BYTES:
        raise bad(f"longer than {MAX_PATH_BYTES} bytes")
    for segment in path.split("/"):
        if segment == "":
            raise bad("empty path segment")
        if segment in (".", ".."):
            raise bad("'.' and '..' segments are not allowed")
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            raise bad(f"a segment is longer than {MAX_SEGMENT_BYTES} bytes")
    if path.split("/", 1)[0].lower() == ".git":
        raise bad("the .git folder is reserved")
    return path


def check_ref_name(name: str, field: str = "branch") -> str:
    """Branch and tag names follow git's rules for ref names."""
    invalid = (
        not name
        or len(name) > 255
        or name.startswith(("/", "-", "."))
        or name.endswith(("/", ".", ".lock"))
        or any(bad in name for bad in ("..", "//", "@{", "\\", " ", "~", "^", ":", "?", "*", "["))
        or any(unicodedata.category(ch) == "Cc" for ch in name)
    )
    if invalid or re.fullmatch(r"[0-9a-f]{40}", name):
        raise InvalidInput(field, f"invalid {field} name {name!r}")
    return name
