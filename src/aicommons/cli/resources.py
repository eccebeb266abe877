"""``aicommons resources REPO_ID``: will this model run, and where?

REPO_ID is a model folder on disk (read directly: safetensors headers and config.json) or a repo id on a hub,
asked over HTTP at ``--endpoint`` (default: $HF_ENDPOINT, else http://127.0.0.1:8000) with ``--token`` (default:
$HF_TOKEN) for private models. Register with ``app.command("resources")(resources)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
TRAINING_LABELS = {"full_fp32": "full, fp32 AdamW", "full_mixed_bf16": "full, bf16 mixed AdamW",
                   "lora_bf16": "LoRA (bf16 base)", "qlora_int4": "QLoRA (int4 base)"}
TRAINING_SHORT = {"full_fp32": "full fp32", "full_mixed_bf16": "full bf16", "lora_bf16": "LoRA",
                  "qlora_int4": "QLoRA"}


def resources(
    repo_id: str = typer.Argument(..., help="A model folder on disk, or owner/name on a hub."),
    revision: str | None = typer.Option(None, help="Branch, tag or commit (hub repos)."),
    context: int | None = typer.Option(None, help="Tokens per sequence for the KV cache and activations."),
    batch: int | None = typer.Option(None, help="Sequences at once."),
    endpoint: str | None = typer.Option(None, envvar="HF_ENDPOINT", help="The hub's URL."),
    token: str | None = typer.Option(None, envvar="HF_TOKEN", help="A hub token, for private models."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
):
    """Parameters per dtype and the memory to run or fine-tune a model, and the hardware it fits."""
    from aicommons.errors import HubError

    console = Console()
    try:
        report = _local(Path(repo_id), context, batch) if Path(repo_id).is_dir() else _remote(
            repo_id, revision, context, batch, endpoint or DEFAULT_ENDPOINT, token)
    except HubError as error:
        Console(stderr=True).print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(json.dumps(report))
    else:
        show(console, report)


def _local(folder: Path, context: int | None, batch: int | None) -> dict:
    from aicommons.resources.report import FolderFiles, resources_report

    return {"id": str(folder), **resources_report(FolderFiles(folder), context, batch)}


def _remote(repo_id: str, revision: str | None, context: int | None, batch: int | None, endpoint: str,
            token: str | None) -> dict:
    import httpx

    from aicommons.errors import HubError

    params = {k: v for k, v in {"revision": revision, "context": context, "batch": batch}.items() if v is not None}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(f"{endpoint.rstrip('/')}/api/models/{repo_id}/resources", params=params,
                             headers=headers, timeout=60)
    except httpx.HTTPError as error:
        raise HubError(f"cannot reach the hub at {endpoint}: {error}") from None
    if response.status_code != 200:
        message = response.headers.get("X-Error-Message") or response.text[:300]
        raise HubError(f"{response.status_code} from the hub: {message}")
    return response.json()


def human_bytes(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def show(console: Console, report: dict) -> None:
    count = report.get("parameters")
    title = f"{report['id']}" + (f" @ {report['sha'][:12]}" if report.get("sha") else "")
    console.print(f"[bold]{title}[/bold]  context {report['context']}, batch {report['batch']}")
    if count:
        dtypes = ", ".join(f"{dtype} {n:,}" for dtype, n in count["parameters"].items())
        console.print(f"Parameters: {count['total']:,} ({dtypes})")
        if count["excluded"]["tensors"]:
            console.print(f"  not parameters (buffers, tied copies): {count['excluded']['tensors']} tensors, "
                          f"{count['excluded']['elements']:,} elements")
    for gguf in report.get("gguf", []):
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in gguf["parameters"].items())
        running = f"; runs in {human_bytes(gguf['inference']['total'])}" if "inference" in gguf else ""
        console.print(f"GGUF {gguf['path']} ({gguf['file_type'] or 'unknown type'}): {gguf['total']:,} parameters "
                      f"({kinds}){running}")
    if "inference" in report:
        if report.get("parameter_source") == "config.json dimensions":
            console.print(f"Parameters: about {report['parameter_total']:,} (from config.json)")
        console.print(_table("Memory to run", report["inference"], {k: k for k in report["inference"]}))
        console.print(_table("Memory to fine-tune", report["training"], TRAINING_LABELS))
        console.print(_hardware(report))
    for note in [*(count or {}).get("notes", []), *report.get("notes", [])]:
        console.print(f"[yellow]note:[/yellow] {note}")


def _table(title: str, estimates: dict, labels: dict) -> Table:
    parts = [k for k in next(iter(estimates.values())) if k != "total"]
    table = Table(title=title, title_justify="left")
    for column in ("", *[p.replace("_", " ") for p in parts], "total"):
        table.add_column(column, justify="left" if not column else "right")
    for key, estimate in estimates.items():
        parts_here = [human_bytes(estimate[p]) if p in estimate else "" for p in parts]
        table.add_row(labels.get(key, key), *parts_here, f"[bold]{human_bytes(estimate['total'])}[/bold]")
    return table


def _hardware(report: dict) -> Table:
    table = Table(title="Where it fits", title_justify="left")
    for column in ("device", "usable memory", "runs at", "fine-tunes with", "bf16 decode ≤ tok/s"):
        table.add_column(column)
    for device in report["hardware"]:
        runs = " ".join(p for p, fits in device["inference"].items() if fits) or "-"
        tunes = ", ".join(TRAINING_SHORT[t] for t, fits in device["training"].items() if fits) or "-"
        speed = device["decode_tokens_per_s_bound"].get("bf16")
        table.add_row(device["name"], human_bytes(device["usable_bytes"]), runs, tunes,
                      f"{speed:,.0f}" if speed else "")
    return table
