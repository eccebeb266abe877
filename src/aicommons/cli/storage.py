"""``aicommons storage`` (logical against physical bytes) and ``aicommons gc`` (reclaim unreferenced content).

Register with ``app.command("storage")(storage)`` and ``app.command("gc")(gc)``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from aicommons.cli.main import DataDir, open_hub

out = Console()


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def storage(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON (bytes)."),
    data_dir: Optional[Path] = DataDir,
):
    """Logical bytes (every distinct file version of every revision, at full size) against the physical bytes
    stored for them (whole blobs, and the xorbs holding the chunks of files uploaded through Xet), per repo
    and in total."""
    from aicommons.features import configure_hub
    from aicommons.storage.usage import storage_usage

    hub = configure_hub(open_hub(data_dir))
    try:
        usage = storage_usage(hub)
    finally:
        hub.close()
    if as_json:
        print(json.dumps({
            "repos": [vars(r) for r in usage.repos],
            "total": {"logical_bytes": usage.logical_bytes, "referenced_bytes": usage.referenced_bytes,
                      "stored_bytes": usage.stored_bytes, "unreferenced_bytes": usage.unreferenced_bytes},
        }, indent=2))
        return
    table = Table("repo", "file versions", "logical", "physical", "physical/logical")
    for repo in usage.repos:
        ratio = f"{repo.physical_bytes / repo.logical_bytes:.1%}" if repo.logical_bytes else "-"
        table.add_row(f"{repo.repo_type}:{repo.repo_id}", str(repo.file_versions), _size(repo.logical_bytes),
                      _size(repo.physical_bytes), ratio)
    out.print(table)
    out.print(f"total logical {_size(usage.logical_bytes)}; stored {_size(usage.stored_bytes)} "
              f"(referenced {_size(usage.referenced_bytes)}, unreferenced {_size(usage.unreferenced_bytes)})")


def gc(
    grace_hours: float = typer.Option(24.0, help="Keep unreferenced content uploaded or used more recently "
                                                 "than this (uploads whose commit has not landed yet)."),
    xorb_grace_days: float = typer.Option(21.0, help="Keep unused xorbs this long after their last use "
                                                     "(Xet clients reuse xorbs from their local cache)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only report what would be removed."),
    data_dir: Optional[Path] = DataDir,
):
    """Remove blobs and xorbs that no commit refers to any more; safe while uploads are in flight."""
    from aicommons.features import configure_hub
    from aicommons.storage.gc import collect_garbage

    hub = configure_hub(open_hub(data_dir))
    try:
        report = collect_garbage(hub, timedelta(hours=grace_hours), timedelta(days=xorb_grace_days), dry_run)
    finally:
        hub.close()
    verb = "would remove" if dry_run else "removed"
    out.print(f"{verb} {report.blobs} unreferenced file versions ({_size(report.blob_bytes)} of whole blobs, "
              f"{report.xet_files} Xet files) and {report.xorbs} xorbs ({_size(report.xorb_bytes)})"
              + ("" if dry_run else f"; cleaned {report.stale_uploads} stale upload files"))
