"""The rule that no file is loaded unless the security scanner marked its content safe.

``scan_verdict`` is the one place that asks for a verdict; everything that loads a file goes through
``check_loadable``. Verdicts come from the hub's scan results (per sha256 and rules version); a blob
without a current result is scanned on the spot, since a model load must not wait for the job queue.
A file without a verdict (None) is refused like a dangerous one.
"""

from __future__ import annotations

from aicommons.hub import Hub
from aicommons.inference.errors import NotLoadable
from aicommons.scans.results import file_scans, scan_blob

SAFE = "safe"


def scan_verdict(hub: Hub, sha256: str) -> str | None:
    """The scanner's verdict on a blob (safe | suspicious | dangerous | invalid); None when it cannot be read."""
    if not hub.blobs.exists(sha256):
        return None
    known = file_scans(hub, [sha256]).get(sha256)
    if known is not None and known.scanned and not known.stale:
        return known.status
    return scan_blob(hub, sha256).verdict


def is_safe_to_load(hub: Hub, sha256: str) -> bool:
    return scan_verdict(hub, sha256) == SAFE


def check_loadable(hub: Hub, files: dict[str, str]) -> None:
    """Raise NotLoadable naming every file (path -> sha256) the scanner did not mark safe, with its verdict."""
    refused = []
    for path, sha256 in sorted(files.items()):
        verdict = scan_verdict(hub, sha256)
        if verdict != SAFE:
            refused.append(f"{path} ({verdict or 'not scanned'})")
    if refused:
        raise NotLoadable("The hub loads only files its security scanner marked safe; refused: " + ", ".join(refused))
