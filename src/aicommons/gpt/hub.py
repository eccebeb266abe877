"""Talking to a model hub (AI Commons, or any server speaking the Hugging Face Hub protocol).

Everything goes through `huggingface_hub`. The endpoint is the argument, else `HF_ENDPOINT`
read at call time (huggingface_hub reads it only once, at import).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import HfApi, constants, snapshot_download

from .card import set_card_license

# What loading a model needs from its repo (weights, configs, tokenizer, card).
MODEL_PATTERNS = ["*.json", "*.safetensors", "*.md"]


def hub_endpoint(endpoint: str | None = None) -> str | None:
    return endpoint or os.environ.get("HF_ENDPOINT") or None


def _api(endpoint: str | None, token: str | None) -> HfApi:
    return HfApi(endpoint=hub_endpoint(endpoint), token=token)


def download_dataset(
    repo_id: str, revision: str | None = None, *, endpoint: str | None = None, token: str | None = None
) -> tuple[Path, str]:
    """Fetch a dataset repo at a revision; return its local folder and the exact commit id."""
    commit = _api(endpoint, token).dataset_info(repo_id, revision=revision).sha
    folder = snapshot_download(
        repo_id, repo_type="dataset", revision=commit, endpoint=hub_endpoint(endpoint), token=token
    )
    return Path(folder), commit


@dataclass(frozen=True)
class ModelLocation:
    """A model export on disk, and where it came from when it was fetched from a hub."""

    path: Path
    repo_id: str | None = None
    revision: str | None = None


def locate_model(ref: str, *, endpoint: str | None = None, token: str | None = None) -> ModelLocation:
    """A local export folder as is, otherwise a hub model repo id (optionally `@revision`) fetched."""
    path = Path(ref).expanduser()
    if path.is_dir():
        return ModelLocation(path)
    if path.exists() or "/" not in ref or ref.startswith((".", "/", "~")):
        raise FileNotFoundError(f"model {ref!r} is neither an export folder nor a hub repo id owner/name")
    repo_id, _, revision = ref.partition("@")
    commit = _api(endpoint, token).model_info(repo_id, revision=revision or None).sha
    folder = snapshot_download(
        repo_id, revision=commit, allow_patterns=MODEL_PATTERNS, endpoint=hub_endpoint(endpoint), token=token
    )
    return ModelLocation(Path(folder), repo_id, commit)


def publish(
    export_dir: str | Path,
    repo_id: str,
    endpoint: str | None = None,
    token: str | None = None,
    private: bool = False,
    license: str | None = None,
) -> str:
    """Create the model repo if needed and upload the export folder as one commit; return its id.

    `license`, when given, replaces the licence in the card's front matter before uploading.
    """
    export_dir = Path(export_dir)
    if not (export_dir / "config.json").is_file() or not (export_dir / "model.safetensors").is_file():
        raise FileNotFoundError(f"{export_dir} is not a model export (config.json and model.safetensors expected)")
    if license:
        set_card_license(export_dir / "README.md", license)
    api = _api(endpoint, token)
    api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
    with _lfs_uploads(hub_endpoint(endpoint)):
        info = api.upload_folder(
            repo_id=repo_id, folder_path=export_dir, commit_message="Upload model trained with aicommons train"
        )
    return info.oid


@contextlib.contextmanager
def _lfs_uploads(endpoint: str | None):
    """Send large files over Git LFS rather than Xet, except to huggingface.co.

    huggingface_hub uploads weights through a Xet storage service by default; a self-hosted hub
    such as AI Commons speaks the Git LFS protocol. The client reads this switch at call time.
    """
    previous = constants.HF_HUB_DISABLE_XET
    if endpoint and endpoint.rstrip("/") != constants._HF_DEFAULT_ENDPOINT:
        constants.HF_HUB_DISABLE_XET = True
    try:
        yield
    finally:
        constants.HF_HUB_DISABLE_XET = previous
