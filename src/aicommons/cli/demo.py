"""``aicommons demo``: fill a hub with demo content (``make run`` calls it before ``serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

out = Console(stderr=True)


def demo(data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="AICOMMONS_DATA_DIR",
                                                 help="Where the hub keeps its data.")):
    """Create the demo user, organisation, model and dataset; running it again changes nothing."""
    from aicommons.demo import DATASET_ID, MODEL_ID, USER, install_demo
    from aicommons.features import configure_hub
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    hub = configure_hub(Hub.open(Settings.from_env(data_dir)))
    try:
        report = install_demo(hub)
    finally:
        hub.close()
    if report.password:
        out.print(f"created user [bold]{USER}[/bold] with password [bold]{report.password}[/bold] (shown once)")
    for repo_id in (MODEL_ID, DATASET_ID):
        out.print(f"{repo_id}: {'updated' if repo_id in report.changed else 'up to date'}")
    out.print(f"a token for the CLI and huggingface_hub: aicommons tokens create {USER}")
