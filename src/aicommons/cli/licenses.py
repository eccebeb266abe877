"""``aicommons license`` and ``aicommons bom``: licence verdicts and AI bills of materials.

Both need the hub's graph of repos, reached through a ``SubjectSource``. The main app wires
them with the function that opens one:

    license_cmd, bom_cmd = make_license_commands(open_source)
    app.command("license")(license_cmd)
    app.command("bom")(bom_cmd)

``open_source(data_dir)`` returns a ``SubjectSource``; if it also has ``close()``, that is
called when the command ends.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Callable, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from aicommons.bom import cyclonedx_bom, spdx_bom
from aicommons.licenses import UnknownUse, verdict
from aicommons.licenses.graph import SubjectNotFound, SubjectSource
from aicommons.licenses.results import Verdict

_STYLE = {"allowed": "green", "allowed-with-obligations": "yellow", "needs-review": "magenta",
          "not-allowed": "red"}


class BomFormat(str, Enum):
    cyclonedx = "cyclonedx"
    spdx = "spdx"


def print_verdict(result: Verdict, console: Console) -> None:
    console.print(f"[bold]{result.repo_id}[/bold] at {result.revision or 'default branch'}: "
                  f"declared [bold]{result.declared}[/bold] ({', '.join(result.declared_evidence)})")
    uses = Table("use", "verdict", "because", title="Verdict per intended use")
    for use, v in result.uses.items():
        deciding = [r for r in v.reasons if r.effect in ("forbid", "review")] or v.reasons[:1]
        because = "\n".join(f"{r.repo}: {r.clause} ({r.license})" for r in deciding[:4])
        uses.add_row(use, f"[{_STYLE[v.status.value]}]{v.status.value}[/]", because)
    console.print(uses)
    if result.obligations:
        table = Table("obligation", "required by", "clause", "source", title="Obligations to meet")
        for ob in result.obligations:
            where = " ".join(filter(None, [ob.source.url, ob.source.section and f"§ {ob.source.section}"]))
            table.add_row(ob.summary, ", ".join(ob.required_by), ob.id, where)
        console.print(table)
    if result.conflicts:
        table = Table("severity", "kind", "problem", title="Conflicts")
        for c in result.conflicts:
            table.add_row(f"[{'red' if c.severity == 'error' else 'yellow'}]{c.severity}[/]", c.kind, c.message)
        console.print(table)
    if result.upstream:
        table = Table("upstream", "relation", "licence", title="Upstream repos and data")
        for u in result.upstream:
            table.add_row(u.repo, " > ".join(u.relation), u.license)
        console.print(table)


def make_license_commands(open_source: Callable[[Optional[Path]], SubjectSource]):
    """The two Typer commands, bound to the hub's way of opening a ``SubjectSource``."""
    err = Console(stderr=True)

    def load(data_dir: Optional[Path], repo_id: str, revision: Optional[str]):
        source = open_source(data_dir)
        try:
            return source.subject(repo_id, revision)
        except SubjectNotFound as error:
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2)
        finally:
            if hasattr(source, "close"):
                source.close()

    def license_cmd(
        repo_id: str = typer.Argument(..., help="Model repo id, e.g. org/name."),
        revision: Optional[str] = typer.Option(None, "--revision", help="Branch, tag or commit."),
        use: Optional[List[str]] = typer.Option(None, "--use", help="Intended use (repeatable): commercial, "
                                                "research, redistribute, modify, hosted-service, train-on-outputs."),
        json_output: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
        data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="AICOMMONS_DATA_DIR",
                                                help="Where the hub keeps its data."),
    ):
        """What a model may be used for, why, and what must be done: through its lineage and data."""
        subject = load(data_dir, repo_id, revision)
        try:
            result = verdict(subject, use or None)
        except UnknownUse as error:
            err.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2)
        if json_output:
            typer.echo(json.dumps(result.to_dict(), indent=2))
        else:
            print_verdict(result, Console())

    def bom_cmd(
        repo_id: str = typer.Argument(..., help="Model repo id, e.g. org/name."),
        format: BomFormat = typer.Option(BomFormat.cyclonedx, "--format", help="cyclonedx or spdx."),
        revision: Optional[str] = typer.Option(None, "--revision", help="Branch, tag or commit."),
        data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="AICOMMONS_DATA_DIR",
                                                help="Where the hub keeps its data."),
    ):
        """Print an AI bill of materials: CycloneDX 1.6 ML-BOM or SPDX 3.0.1 JSON-LD."""
        subject = load(data_dir, repo_id, revision)
        document = cyclonedx_bom(subject) if format is BomFormat.cyclonedx else spdx_bom(subject)
        typer.echo(json.dumps(document, indent=2))

    license_cmd.__name__, bom_cmd.__name__ = "license", "bom"
    return license_cmd, bom_cmd
