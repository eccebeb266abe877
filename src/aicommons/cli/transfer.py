"""``aicommons push`` and ``aicommons pull``: folders to and from a hub, through the huggingface_hub client.

The hub speaks the Hugging Face protocol, so the CLI uses the client everyone already has instead of one of
its own; its progress bars show hashing, uploads and downloads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"

out = Console(stderr=True)
Endpoint = typer.Option(DEFAULT_ENDPOINT, "--endpoint", envvar=["AICOMMONS_ENDPOINT", "HF_ENDPOINT"],
                        help="The hub's URL.")
Token = typer.Option(None, "--token", envvar=["AICOMMONS_TOKEN", "HF_TOKEN"], help="An API token of the hub.")
RepoTypeOption = typer.Option("model", "--repo-type", help="model or dataset.")


def _client(endpoint: str, token: Optional[str]):
    from huggingface_hub import HfApi, constants

    # this hub has no Xet storage service: large files go through the Git LFS batch API instead
    constants.HF_HUB_DISABLE_XET = True
    return HfApi(endpoint=endpoint.rstrip("/"), token=token or False)


def _fail(error: Exception) -> None:
    out.print(f"[red]error:[/red] {error}")
    raise typer.Exit(1)


def push(
    local_dir: Path = typer.Argument(..., help="The folder to upload.", exists=True, file_okay=False),
    repo_id: str = typer.Argument(..., help="namespace/name (the namespace defaults to you)."),
    repo_type: str = RepoTypeOption,
    private: bool = typer.Option(False, "--private", help="Create the repo as private (when it is new)."),
    revision: str = typer.Option("main", "--revision", help="The branch to commit to (created when missing)."),
    message: Optional[str] = typer.Option(None, "-m", "--message", help="The commit message."),
    endpoint: str = Endpoint,
    token: Optional[str] = Token,
):
    """Upload a folder as one commit, creating the repo when it does not exist yet."""
    from huggingface_hub.errors import HfHubHTTPError

    api = _client(endpoint, token)
    try:
        url = api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        if revision != "main":
            api.create_branch(url.repo_id, branch=revision, repo_type=repo_type, exist_ok=True)
        result = api.upload_folder(folder_path=local_dir, repo_id=url.repo_id, repo_type=repo_type,
                                   revision=revision, commit_message=message or f"Upload {local_dir.name}")
    except (HfHubHTTPError, ValueError) as error:
        _fail(error)
    out.print(f"pushed [bold]{local_dir}[/bold] to {url} ({revision}): {result.commit_url}")


def pull(
    repo_id: str = typer.Argument(..., help="namespace/name."),
    repo_type: str = RepoTypeOption,
    revision: Optional[str] = typer.Option(None, "--revision", help="Branch, tag or commit (default: main)."),
    local_dir: Optional[Path] = typer.Option(None, "--local-dir",
                                             help="Where to put the files (default: the Hugging Face cache)."),
    endpoint: str = Endpoint,
    token: Optional[str] = Token,
):
    """Download a repo's files at a revision; prints the folder they are in."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    api = _client(endpoint, token)
    try:
        folder = snapshot_download(repo_id, repo_type=repo_type, revision=revision, local_dir=local_dir,
                                   endpoint=api.endpoint, token=api.token)
    except (HfHubHTTPError, LocalEntryNotFoundError, ValueError) as error:
        _fail(error)
    out.print(f"pulled {repo_id} into", style="green")
    print(folder)
