"""Runners: a model folder opened for evaluation, by kind.

* ``causal_lm``: a ``transformers`` causal LM (``config.json`` whose architecture ends in ``ForCausalLM``
  or ``LMHeadModel``), compact GPT exports included;
* ``embedder``: a sentence-transformers model (``modules.json`` or ``config_sentence_transformers.json``);
* ``tabular``: a scikit-learn model saved with skops (one ``.skops`` file).

Model files are read from a folder. A hub model is first copied out of the blob store, keeping only
file types that hold data (no pickles, no Python code), into a cache folder named by its commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from dataclasses import dataclass
from math import prod
from pathlib import Path

from aicommons.errors import InvalidInput
from aicommons.evaluation.runners.options import RunOptions

SAFE_SUFFIXES = {".json", ".safetensors", ".skops", ".txt", ".model", ".jinja", ".md"}
KIND_NAMES = {"causal_lm": "a causal language model (transformers)",
              "embedder": "a sentence-transformers embedding model",
              "tabular": "a scikit-learn model saved with skops"}


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    key: str  # what cached results are keyed by: the commit, or a digest of a local folder's files
    repo_id: str | None = None
    commit: str | None = None

    @property
    def kind(self) -> str:
        return detect_kind(self.path)


def detect_kind(folder: Path) -> str:
    if any(folder.glob("*.skops")):
        return "tabular"
    if (folder / "modules.json").exists() or (folder / "config_sentence_transformers.json").exists():
        return "embedder"
    config = folder / "config.json"
    if config.exists():
        try:
            architectures = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            raise InvalidInput("model", "config.json is not a valid JSON object") from None
        if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
            return "causal_lm"
    raise InvalidInput("model", "not a model this hub can evaluate: expected a causal LM (config.json), a "
                                "sentence-transformers model (modules.json) or a scikit-learn .skops file")


def open_model(folder: ModelFolder, kind: str, options: RunOptions):
    found = folder.kind
    if found != kind:
        raise InvalidInput("model", f"this task needs {KIND_NAMES[kind]}; the model is {KIND_NAMES[found]}")
    if kind in ("causal_lm", "embedder") and not any(folder.path.rglob("*.safetensors")):
        raise InvalidInput("model", "no .safetensors weights: this hub loads weights from safetensors only")
    if kind == "causal_lm":
        from aicommons.evaluation.runners.causal_lm import CausalLM

        return CausalLM(folder.path, options)
    if kind == "embedder":
        from aicommons.evaluation.runners.embedder import Embedder

        return Embedder(folder.path, options)
    from aicommons.evaluation.runners.tabular import TabularModel

    return TabularModel(folder.path, options)


def local_folder(path: Path) -> ModelFolder:
    """A model folder on disk, keyed by a digest of its files' names and contents."""
    if not path.is_dir():
        raise InvalidInput("model", f"{path} is not a folder")
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SAFE_SUFFIXES):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with file.open("rb") as stream:
            digest.update(hashlib.file_digest(stream, "sha256").digest())
    return ModelFolder(path.resolve(), f"local:{digest.hexdigest()}")


def hub_folder(hub, repo, commit_oid: str) -> ModelFolder:
    """The model's data files at a commit, copied (or linked) from the blob store into a cache folder."""
    from aicommons.repos.reading import snapshot

    target = hub.settings.data_dir / "eval-models" / f"{repo.id}-{commit_oid}"
    if not target.exists():
        snap = snapshot(hub, repo, commit_oid)
        staging = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        for path, entry in snap.files.items():
            if Path(path).suffix not in SAFE_SUFFIXES:
                continue
            destination = staging / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            _place_blob(hub, entry.sha256, destination)
        staging.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    return ModelFolder(target, f"commit:{commit_oid}", repo.repo_id, commit_oid)


def _place_blob(hub, sha256: str, destination: Path) -> None:
    source = hub.blobs.local_path(sha256)
    if source is not None:
        try:
            os.link(source, destination)
            return
        except OSError:
            pass
    with hub.blobs.open(sha256) as stream, destination.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)


def parameter_count(folder: Path) -> int | None:
    """Parameters stored in the folder's safetensors files, read from their headers alone."""
    total, found = 0, False
    for file in folder.rglob("*.safetensors"):
        with file.open("rb") as stream:
            (length,) = struct.unpack("<Q", stream.read(8))
            header = json.loads(stream.read(length))
        for name, tensor in header.items():
            if name != "__metadata__":
                total += prod(tensor["shape"])
                found = True
    return total if found else None
