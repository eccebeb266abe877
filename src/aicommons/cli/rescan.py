"""``aicommons rescan``: bring every stored blob's scan result up to the current scanner rules.

Register with ``app.command("rescan")(rescan)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rich.console import Console

from aicommons.cli.main import DataDir, open_hub

out = Console()


def rescan(data_dir: Optional[Path] = DataDir):
    """Rescan the stored blobs whose cached scan comes from older scanner rules (or that were never scanned),
    here and now; run it after upgrading the scanner. Results of the current rules are kept."""
    from aicommons.features import configure_hub
    from aicommons.scans.results import rescan_due
    from aicommons.security import rules_version

    hub = configure_hub(open_hub(data_dir))
    try:
        with out.status("rescanning…"):
            counts = rescan_due(hub)
    finally:
        hub.close()
    total = sum(n for verdict, n in counts.items() if verdict != "missing")
    detail = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    out.print(f"{total} blobs rescanned under rules {rules_version()}" + (f": {detail}" if detail else ""))
