"""`aicommons scan PATH... [--json]`: scan local files and folders for unsafe model files, no server needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from aicommons.security import Verdict, rules_version, scan_path

_STYLE = {Verdict.SAFE: "green", Verdict.SUSPICIOUS: "yellow", Verdict.INVALID: "magenta",
          Verdict.DANGEROUS: "bold red"}
_FAILING = {Verdict.DANGEROUS, Verdict.INVALID}


def scan(
    paths: list[Path] = typer.Argument(..., exists=True, help="Files or folders to scan (folders recursively)."),
    json_output: bool = typer.Option(False, "--json", help="Print a JSON list of {path, verdict, findings}."),
) -> None:
    """Scan model files by content for code that runs when they are loaded.

    Exits with status 1 when anything is dangerous or invalid."""
    results = [result for path in paths for result in scan_path(path)]
    if json_output:
        json.dump([r.to_dict() for r in results], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(results)
    if any(r.verdict in _FAILING for r in results):
        raise typer.Exit(1)


def _print_table(results) -> None:
    console = Console()
    table = Table(title=f"Scan results (rules {rules_version()})", show_lines=True)
    table.add_column("Path", overflow="fold")
    table.add_column("Verdict")
    table.add_column("Format")
    table.add_column("Findings", overflow="fold")
    for result in results:
        lines = []
        for f in result.findings:
            where = " @ ".join(p for p in (f.member, None if f.offset is None else f"offset {f.offset}") if p)
            lines.append(f"[{_STYLE[f.severity.verdict]}]{f.severity.value}[/] {f.rule_id}"
                         f"{': ' + f.name if f.name else ''}{' (' + where + ')' if where else ''}\n  {f.message}")
        table.add_row(result.path, f"[{_STYLE[result.verdict]}]{result.verdict.value}[/]", result.format,
                      "\n".join(lines) or "-")
    console.print(table)
    counts = {v: sum(r.verdict is v for r in results) for v in Verdict}
    console.print(", ".join(f"[{_STYLE[v]}]{n} {v.value}[/]" for v, n in counts.items() if n) or "nothing scanned")
