"""``aicommons eval``, ``aicommons verify-eval`` and ``aicommons eval-data``.

``eval`` runs a task locally on the hub's data directory (task data comes from the hub, created on
first use for built-in tasks) and signs the record with that hub's key. MODEL is a folder, a model
repo of that hub, or, with ``--endpoint``, a model repo of another hub fetched with the HF client.
``verify-eval`` checks a record's signature, fingerprint and scores with a public key from a file or
from a hub.
Registered in the main app as:

    app.command("eval")(eval_command)
    app.command("verify-eval")(verify_eval)
    app.add_typer(eval_data_app, name="eval-data")
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from aicommons.errors import HubError

DataDir = typer.Option(None, "--data-dir", envvar="AICOMMONS_DATA_DIR", help="Where the hub keeps its data.")
out = Console()
err = Console(stderr=True)
eval_data_app = typer.Typer(help="Built-in evaluation data sets.", no_args_is_help=True)


def _fail(message: str, code: int = 1):
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _open_hub(data_dir: Optional[Path]):
    from aicommons.hub import Hub
    from aicommons.settings import Settings

    return Hub.open(Settings.from_env(data_dir))


def _load_task(name: str):
    from aicommons.evaluation.spec import get_task, parse_task

    path = Path(name)
    if name.endswith((".yaml", ".yml")) and path.is_file():
        return parse_task(path.read_text(encoding="utf-8"), str(path))
    return get_task(name)


def _model_folder(hub, model: str, revision: Optional[str], endpoint: Optional[str], token: Optional[str]):
    from aicommons.evaluation.runners import hub_folder, local_folder
    from aicommons.repos import revisions
    from aicommons.repos.manage import find_repo
    from aicommons.repos.names import RepoType

    path = Path(model)
    if path.is_dir():
        return local_folder(path)
    if endpoint:
        return _remote_folder(model, revision, endpoint, token)
    repo = find_repo(hub, RepoType.MODEL, model)
    if repo is None:
        _fail(f"{model} is neither a model folder nor a model repo on this hub")
    with hub.db.read() as session:
        commit = revisions.resolve(session, repo.id, revision).commit_oid
    return hub_folder(hub, repo, commit)


def _remote_folder(repo_id: str, revision: Optional[str], endpoint: str, token: Optional[str]):
    """A model repo on another hub, downloaded with the Hugging Face client (data files only)."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    from aicommons.evaluation.runners import SAFE_SUFFIXES, ModelFolder

    try:
        commit = HfApi(endpoint=endpoint, token=token).model_info(repo_id, revision=revision).sha
        folder = snapshot_download(repo_id, revision=commit, endpoint=endpoint, token=token,
                                   allow_patterns=[f"*{suffix}" for suffix in SAFE_SUFFIXES])
    except HfHubHTTPError as error:
        _fail(f"cannot download {repo_id} from {endpoint}: {error}")
    return ModelFolder(Path(folder), f"commit:{commit}", repo_id, commit)


def eval_command(
    model: str = typer.Argument(..., help="A model folder, or a model repo id on this hub."),
    task: str = typer.Option(..., "--task", help="A task name (see `aicommons eval-data list`) or a task YAML file."),
    revision: Optional[str] = typer.Option(None, help="Branch, tag or commit of a hub model (default main)."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", envvar="HF_ENDPOINT",
                                           help="Fetch MODEL from this hub instead of the local data directory."),
    token: Optional[str] = typer.Option(None, "--token", envvar="HF_TOKEN", help="Token for a private remote model."),
    dtype: str = typer.Option("float32", help="float32, bfloat16 or float16."),
    batch_size: int = typer.Option(16, "--batch-size", help="Rows per forward pass."),
    device: str = typer.Option("cpu", help="cpu, cuda, cuda:1..."),
    json_output: bool = typer.Option(False, "--json", help="Print the whole signed record as JSON."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the signed record to this file."),
    data_dir: Optional[Path] = DataDir,
):
    """Evaluate a model on a task here, and print the scores (or the signed record)."""
    from rich.progress import Progress

    from aicommons.evaluation.cache import SampleCache
    from aicommons.evaluation.runners.options import RunOptions
    from aicommons.evaluation.runs import evaluate
    from aicommons.evaluation.signing import hub_key, sign

    hub = _open_hub(data_dir)
    try:
        spec = _load_task(task)
        folder = _model_folder(hub, model, revision, endpoint, token)
        options = RunOptions(device=device, dtype=dtype, batch_size=batch_size)
        with Progress(console=err, transient=True, disable=not sys.stderr.isatty()) as bar:
            job = bar.add_task(spec.name, total=1.0)
            record = evaluate(hub, spec, folder, options, cache=SampleCache(hub),
                              report=lambda fraction, message="": bar.update(job, completed=fraction,
                                                                             description=message or spec.name))
        record["hub"] = hub.settings.public_url
        signed = sign(record, hub_key(hub.settings.data_dir))
    except HubError as error:
        _fail(error.message)
    finally:
        hub.close()
    text = json.dumps(signed, ensure_ascii=False, indent=1)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    if json_output:
        print(text)
        return
    table = Table(title=f"{spec.name} v{spec.version} on {signed['model']['repo'] or model}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in signed["metrics"].items():
        table.add_row(name, "n/a" if value is None else f"{value:.6g}")
    out.print(table)
    out.print(f"{len(signed['samples'])} samples ({signed['cached_samples']} cached) in {signed['duration_s']:.2f} s; "
              f"fingerprint {signed['fingerprint'][:16]}…" + (f"; record written to {output}" if output else ""))


def verify_eval(
    record: Path = typer.Argument(..., help="A record file (JSON), as written by `eval -o` or GET /api/evaluations/ID."),
    key: Optional[Path] = typer.Option(None, "--key", help="Public key file: PEM, raw base64, or the key JSON."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub URL to fetch the key from (default: the record's hub)."),
    json_output: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
):
    """Check an evaluation record: signature, fingerprint over the samples, and scores. Exit 1 if any fails."""
    from aicommons.evaluation.signing import load_public_key
    from aicommons.evaluation.verify import verify_record

    try:
        document = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        _fail(f"cannot read {record}: {error}")
    try:
        if key is not None:
            public, origin = load_public_key(key.read_text(encoding="utf-8")), str(key)
        else:
            origin = hub or (document.get("hub") if isinstance(document, dict) else None)
            if not origin:
                _fail("the record names no hub: give --key FILE or --hub URL")
            public = _fetch_key(origin)
    except (ValueError, KeyError, OSError) as error:
        _fail(f"unusable public key: {error}")
    report = verify_record(document, public)
    if json_output:
        print(json.dumps({"ok": report.ok, "key_from": origin, "checks": report.checks}, indent=1))
    else:
        for check in report.checks:
            mark = "[green]ok[/green]  " if check["passed"] else "[red]FAIL[/red]"
            out.print(f"{mark} {check['check']}: {check['detail']}")
        out.print(f"key from {origin}: " + ("[green]record verified[/green]" if report.ok else "[red]record NOT verified[/red]"))
    if not report.ok:
        raise typer.Exit(1)


def _fetch_key(hub_url: str) -> bytes:
    import httpx

    from aicommons.evaluation.signing import load_public_key

    try:
        response = httpx.get(hub_url.rstrip("/") + "/api/evaluation-key", timeout=30)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise OSError(f"cannot fetch the key from {hub_url}: {error}") from None
    return load_public_key(response.text)


@eval_data_app.command("install")
def eval_data_install(
    tasks: Optional[List[str]] = typer.Argument(None, help="Task names (default: every built-in task)."),
    data_dir: Optional[Path] = DataDir,
):
    """Create the dataset repos of built-in tasks on this hub (otherwise made on first use)."""
    from aicommons.evaluation import builtin
    from aicommons.evaluation.spec import builtin_tasks, get_task

    hub = _open_hub(data_dir)
    try:
        for spec in [get_task(name) for name in tasks] if tasks else list(builtin_tasks().values()):
            if spec.dataset.builtin:
                commit = builtin.install(hub, spec.dataset.builtin, spec.dataset.repo, spec.dataset.revision)
                err.print(f"{spec.dataset.repo}@{spec.dataset.revision} = {commit}")
    except HubError as error:
        _fail(error.message)
    finally:
        hub.close()


@eval_data_app.command("list")
def eval_data_list():
    """The evaluation tasks this hub knows, with their data set and metrics."""
    from aicommons.evaluation.spec import builtin_tasks

    table = Table()
    for column in ("task", "version", "output type", "data set", "metrics"):
        table.add_column(column)
    for spec in builtin_tasks().values():
        table.add_row(spec.name, str(spec.version), spec.output_type, f"{spec.dataset.repo}@{spec.dataset.revision}",
                      ", ".join(spec.metrics))
    out.print(table)
