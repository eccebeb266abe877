"""Many writers at once: each file committed from its own thread, all started together."""

from __future__ import annotations

import threading

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.objects import Signature


def commit_from_threads(hub, repo, files: dict[str, bytes], author: Signature) -> None:
    """Commit each file in its own thread (message "add PATH"); fails if any commit raised."""
    errors = []

    def worker(path: str, content: bytes) -> None:
        try:
            commit(hub, repo, [AddFile(path, content)], author=author, message=f"add {path}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=item) for item in files.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
