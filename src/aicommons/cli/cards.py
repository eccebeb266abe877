"""CLI commands for cards and the metadata index: `aicommons card init|check`, `aicommons index rebuild`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

err = Console(stderr=True)
TEMPLATES = Path(__file__).resolve().parents[1] / "cards" / "templates"


def card_init(
    path: Path = typer.Argument(Path("README.md"), help="Where to write the card (a folder gets README.md)."),
    repo_type: str = typer.Option("model", "--type", help="model or dataset."),
    name: Optional[str] = typer.Option(None, help="The repo id or title shown in the card."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing card."),
):
    """Write a card template with the metadata fields the hub reads."""
    if repo_type not in ("model", "dataset"):
        err.print(f"[red]error:[/red] --type must be model or dataset, not {repo_type!r}")
        raise typer.Exit(2)
    target = path / "README.md" if path.is_dir() else path
    if target.exists() and not force:
        err.print(f"[red]error:[/red] {target} exists; use --force to overwrite it")
        raise typer.Exit(1)
    title = name or target.resolve().parent.name
    text = (TEMPLATES / f"{repo_type}.md").read_text(encoding="utf-8")
    target.write_text(text.replace("{name}", title).replace("{repo_id}", name or f"namespace/{title}"),
                      encoding="utf-8")
    err.print(f"wrote a {repo_type} card to {target}")


def card_check(
    path: Path = typer.Argument(Path("README.md"), help="The card to check."),
    repo_type: str = typer.Option("model", "--type", help="model or dataset."),
):
    """Check a card as the hub will on push: errors (exit 1) reject the push, warnings do not."""
    from aicommons.cards.frontmatter import validate_card

    report = validate_card(path.read_text(encoding="utf-8"), repo_type)
    for problem in report.errors:
        err.print(f"[red]error[/red] {problem['field']}: {problem['message']}")
    for problem in report.warnings:
        err.print(f"[yellow]warning[/yellow] {problem['field']}: {problem['message']}")
    if report.errors:
        raise typer.Exit(1)
    err.print(f"{path}: valid" + (f" with {len(report.warnings)} warning(s)" if report.warnings else ""))


def index_rebuild(data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="AICOMMONS_DATA_DIR",
                                                          help="Where the hub keeps its data.")):
    """Index the head of every repo again (after an upgrade, or to repair the index)."""
    from aicommons.features import configure_hub
    from aicommons.hub import Hub
    from aicommons.index.indexer import reindex_heads
    from aicommons.settings import Settings

    hub = configure_hub(Hub.open(Settings.from_env(data_dir)))
    try:
        with err.status("indexing"):
            count = reindex_heads(hub)
    finally:
        hub.close()
    err.print(f"indexed {count} repos")
