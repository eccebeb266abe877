"""Where training text comes from: files, folders, globs, a dataset repo on a hub, or the
built-in corpus (this Python's own standard library source, which every machine has).

A source is resolved once into a sorted list of documents with a content digest, so the
same text always gives the same digest, whatever its paths were called.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import platform
import re
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

BUILTIN = "builtin:stdlib"
# owner/name, optionally @revision: what a hub dataset id looks like.
HUB_DATASET = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+)(?:@(?P<revision>[\w./-]+))?$")
STRUCTURED_SUFFIXES = {".jsonl", ".parquet"}
TEXT_FIELD = "text"
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Document:
    name: str
    text: str


@dataclass
class Source:
    """One `--data` argument, resolved to concrete files."""

    spec: str
    kind: str  # "builtin", "file", "folder", "glob" or "hub"
    files: list[Path]
    root: Path | None = None  # document names are relative to this
    repo_id: str | None = None
    revision: str | None = None  # hub commit, or the Python version for the built-in corpus
    skipped: list[str] = field(default_factory=list)  # files that were not UTF-8 text

    def documents(self) -> Iterator[Document]:
        for path in self.files:
            name = path.relative_to(self.root).as_posix() if self.root else path.name
            yield from _read_documents(path, name)

    @cached_property
    def sha256(self) -> str:
        """Digest over every document's name and text, in order."""
        digest = hashlib.sha256()
        for doc in self.documents():
            digest.update(hashlib.sha256(doc.name.encode()).digest())
            digest.update(hashlib.sha256(doc.text.encode()).digest())
        return digest.hexdigest()

    def describe(self) -> dict:
        """A JSON-able record of the source for the model card and provenance."""
        record = {"spec": self.spec, "kind": self.kind, "files": len(self.files), "sha256": self.sha256}
        if self.repo_id:
            record["repo_id"] = self.repo_id
        if self.revision:
            record["revision"] = self.revision
        if self.skipped:
            record["skipped_files"] = len(self.skipped)
        return record


def resolve_source(spec: str, *, endpoint: str | None = None, token: str | None = None) -> Source:
    """Turn a `--data` argument into a `Source`; local paths win over hub ids of the same spelling."""
    if spec == BUILTIN:
        return stdlib_source()
    path = Path(spec).expanduser()
    if path.is_file():
        _require_text(path)
        return Source(spec, "file", [path.absolute()])
    if path.is_dir():
        files, skipped = _text_files_under(path.absolute())
        if not files:
            raise ValueError(f"folder {spec!r} holds no UTF-8 text files")
        return Source(spec, "folder", files, root=path.absolute(), skipped=skipped)
    if glob.has_magic(spec):
        files, skipped = _split_text(Path(p).absolute() for p in glob.glob(str(path), recursive=True))
        if not files:
            raise ValueError(f"pattern {spec!r} matches no UTF-8 text files")
        root = Path(os.path.commonpath([f.parent for f in files]))
        return Source(spec, "glob", files, root=root, skipped=skipped)
    match = HUB_DATASET.match(spec)
    if match:
        from .hub import download_dataset

        folder, commit = download_dataset(match["repo"], match["revision"], endpoint=endpoint, token=token)
        files, skipped = _text_files_under(folder)
        if not files:
            raise ValueError(f"dataset {match['repo']} at {commit} holds no text, .jsonl or .parquet files")
        return Source(spec, "hub", files, root=folder, repo_id=match["repo"], revision=commit, skipped=skipped)
    raise ValueError(f"--data {spec!r} is neither an existing file, folder or glob, nor a hub dataset id owner/name")


def stdlib_source() -> Source:
    """The Python standard library's own `.py` files (without installed third-party packages)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files, skipped = _split_text(p for p in root.rglob("*.py") if not {"site-packages", "dist-packages"} & set(p.parts))
    return Source(
        BUILTIN, "builtin", files, root=root, revision=f"CPython {platform.python_version()}", skipped=skipped
    )


def _text_files_under(folder: Path) -> tuple[list[Path], list[str]]:
    """Files below `folder`, skipping hidden ones. Paths stay unresolved: a hub snapshot's files
    are links into a content-addressed blob folder, and names must come from the snapshot."""
    return _split_text(p for p in folder.rglob("*") if not any(s.startswith(".") for s in p.relative_to(folder).parts))


def _split_text(paths) -> tuple[list[Path], list[str]]:
    """Sorted regular files, split into readable text files and the names of skipped others."""
    files, skipped = [], []
    for path in sorted(p for p in paths if p.is_file()):
        (files if _is_text(path) else skipped).append(path)
    return files, [str(p) for p in skipped]


def _is_text(path: Path) -> bool:
    """Structured files are read by field; anything else must be UTF-8 without NUL bytes."""
    if path.suffix in STRUCTURED_SUFFIXES:
        return True
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if b"\0" in data[:SNIFF_BYTES]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _require_text(path: Path) -> None:
    if not _is_text(path):
        raise ValueError(f"{path} is not UTF-8 text (nor .jsonl or .parquet)")


def _read_documents(path: Path, name: str) -> Iterator[Document]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield Document(f"{name}:{number}", _text_field(json.loads(line), f"{name} line {number}"))
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        if TEXT_FIELD not in table.column_names:
            raise ValueError(f"{name} has no {TEXT_FIELD!r} column (columns: {table.column_names})")
        for row, text in enumerate(table.column(TEXT_FIELD).to_pylist()):
            yield Document(f"{name}:{row}", text or "")
    else:
        yield Document(name, path.read_text(encoding="utf-8"))


def _text_field(record: object, where: str) -> str:
    if not isinstance(record, dict) or not isinstance(record.get(TEXT_FIELD), str):
        raise ValueError(f"{where} has no string {TEXT_FIELD!r} field")
    return record[TEXT_FIELD]
