"""Headers of a commit's weights files, read once per blob and kept in the metadata store.

A post-commit hook reads the headers of every weights file a new commit holds (a few kilobytes each), so the
resources of a commit answer from the database afterwards; a commit made before the hook existed is read on
first request instead.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from aicommons.hub import CommitEvent, Hub
from aicommons.repos.objects import FileEntry, utcnow
from aicommons.resources.headers import (
    HeaderError,
    WeightsHeader,
    blob_reader,
    read_gguf_header_summary,
    read_safetensors_header,
)
from aicommons.resources.tables import WeightHeaderRow

log = logging.getLogger(__name__)

READERS = {".safetensors": read_safetensors_header, ".gguf": read_gguf_header_summary}


def header_format(path: str) -> str | None:
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return suffix if suffix in READERS else None


def weights_header(hub: Hub, path: str, entry: FileEntry) -> WeightsHeader:
    """The header of a weights file, from the cache or read now; HeaderError when the file is malformed."""
    with hub.db.read() as session:
        row = session.get(WeightHeaderRow, entry.sha256)
        if row is not None:
            if row.error is not None:
                raise HeaderError(row.error)
            return WeightsHeader.from_json(row.header)
    try:
        header, error = READERS[header_format(path)](blob_reader(hub.blobs, entry.sha256), entry.size), None
    except HeaderError as problem:
        header, error = None, str(problem)
    try:
        with hub.db.write() as session:
            if session.get(WeightHeaderRow, entry.sha256) is None:
                session.add(WeightHeaderRow(sha256=entry.sha256, header=header.to_json() if header else None,
                                            error=error, read_at=utcnow()))
    except IntegrityError:
        pass  # another process stored the same header meanwhile
    if error is not None:
        raise HeaderError(error)
    return header


def read_commit_headers(hub: Hub, event: CommitEvent) -> None:
    """Post-commit hook: cache the headers of the commit's weights files."""
    from aicommons.repos.reading import snapshot
    from aicommons.storage.tables import Repo

    if event.repo_type != "model":
        return
    with hub.db.read() as session:
        repo = session.get(Repo, event.repo_pk)
    if repo is None:
        return
    for path, entry in snapshot(hub, repo, event.commit_oid).files.items():
        if header_format(path):
            try:
                weights_header(hub, path, entry)
            except HeaderError as error:
                log.info("unreadable weights header %s in %s@%s: %s", path, event.repo_id, event.commit_oid, error)
