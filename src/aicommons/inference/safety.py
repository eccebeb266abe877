"""The rule that no file is loaded unless the security scanner marked its content safe.

``scan_verdict`` is the one place that asks the scanner; everything that loads a file goes through
``is_safe_to_load`` / ``check_loadable``. A file that was never scanned is refused like a dangerous one.
"""

from __future__ import annotations

from aicommons.hub import Hub
from aicommons.inference.errors import NotLoadable

SAFE = "safe"


def scan_verdict(hub: Hub, sha256: str) -> str | None:
    """The scanner's verdict on a blob (safe | suspicious | dangerous | invalid), None when not scanned yet.

    Until the scanner stores per-blob verdicts on the hub, no verdict exists and nothing is loadable."""
    return None


def is_safe_to_load(hub: Hub, sha256: str) -> bool:
    return scan_verdict(hub, sha256) == SAFE


def check_loadable(hub: Hub, files: dict[str, str]) -> None:
    """Raise NotLoadable naming every file (path -> sha256) the scanner did not mark safe, with its verdict."""
    refused = []
    for path, sha256 in sorted(files.items()):
        verdict = scan_verdict(hub, sha256)
        if verdict != SAFE:
            refused.append(f"{path} ({verdict or 'not scanned yet'})")
    if refused:
        raise NotLoadable("The hub loads only files its security scanner marked safe; refused: " + ", ".join(refused))
