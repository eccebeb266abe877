"""Loading a model of one commit: its safe files laid out in a private folder, then read by transformers,
sentence-transformers or skops, with remote code, pickles and untrusted types refused."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicommons.hub import Hub
from aicommons.inference import tasks
from aicommons.inference.errors import NotLoadable, Unavailable
from aicommons.inference.safety import check_loadable
from aicommons.repos.reading import Snapshot

# what a load reads: configs, tokenizer files, templates and weights in formats that cannot carry code
LOADABLE_SUFFIXES = (".json", ".txt", ".model", ".jinja", ".safetensors", ".skops")
# the transformers class each task loads (a masked-LM checkpoint serves feature extraction through its encoder)
AUTO_CLASSES = {
    tasks.TEXT_GENERATION: "AutoModelForCausalLM",
    tasks.FILL_MASK: "AutoModelForMaskedLM",
    tasks.TEXT_CLASSIFICATION: "AutoModelForSequenceClassification",
    tasks.FEATURE_EXTRACTION: "AutoModel",
}
SENTENCE_TRANSFORMERS_MODULES = "sentence_transformers."


@dataclass
class LoadedModel:
    framework: str
    model: Any
    tokenizer: Any = None
    nbytes: int = 0
    max_positions: int | None = None
    # fast tokenizers and pipelines keep per-call state: one request at a time uses them
    lock: threading.Lock = field(default_factory=threading.Lock)
    extras: dict = field(default_factory=dict)  # per-task helpers built on first use (pipelines, templates)


def load_key(kind: tasks.ModelKind, task: str) -> str:
    """Tasks that share a loaded object share a key: sentence-transformers and sklearn models load once."""
    return f"{kind.framework}:{AUTO_CLASSES[task]}" if kind.framework == "transformers" else kind.framework


def loadable_files(snap: Snapshot, kind: tasks.ModelKind) -> dict[str, str]:
    """path -> sha256 of what a load reads; NotLoadable when no weights are in a format the hub loads."""
    files = {path: entry.sha256 for path, entry in snap.files.items() if path.endswith(LOADABLE_SUFFIXES)}
    if kind.framework == "sklearn":
        files = {path: sha for path, sha in files.items() if path.endswith(".json") or path == kind.weights}
    elif not any(path.endswith(".safetensors") for path in files):
        raise NotLoadable("This model has no safetensors weights; the hub runs only safetensors and skops models, "
                          "never pickled ones")
    return files


def load(hub: Hub, snap: Snapshot, kind: tasks.ModelKind, task: str) -> LoadedModel:
    files = loadable_files(snap, kind)
    check_loadable(hub, files)
    work = hub.settings.data_dir / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="load-", dir=work))
    try:
        _lay_out(hub, snap, files, folder)
        if kind.framework == "sklearn":
            return _load_sklearn(folder / kind.weights, folder / "config.json")
        _quiet_transformers()
        if kind.framework == "sentence-transformers":
            return _load_sentence_transformers(folder)
        return _load_transformers(folder, task)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # loaded weights no longer need their files


def _lay_out(hub: Hub, snap: Snapshot, files: dict[str, str], folder: Path) -> None:
    """Link the blobs into the folder under their repo paths (copy them when the store is remote)."""
    for path in files:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        entry = snap.files[path]
        local = hub.blobs.local_path(entry.sha256)
        if local is not None:
            os.symlink(local, target)
        else:
            with hub.blobs.open(entry.sha256) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging
    except ImportError:
        raise Unavailable("Running models needs the hub's machine-learning packages (pip install "
                          "'aicommons[ml]')") from None
    logging.disable_progress_bar()


def _torch_nbytes(module) -> int:
    return sum(t.nbytes for t in module.parameters()) + sum(t.nbytes for t in module.buffers())


def _load_transformers(folder: Path, task: str) -> LoadedModel:
    import torch
    import transformers

    auto = getattr(transformers, AUTO_CLASSES[task])
    options = dict(local_files_only=True, trust_remote_code=False)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **options)
        model = auto.from_pretrained(folder, dtype=torch.float32, use_safetensors=True, **options).eval()
    except Exception as error:  # transformers, tokenizers and safetensors raise many kinds on bad files
        raise NotLoadable(f"transformers cannot load this model: {error}") from None
    limit = getattr(model.config, "max_position_embeddings", None) or getattr(model.config, "n_positions", None)
    return LoadedModel("transformers", model, tokenizer, _torch_nbytes(model), limit)


def _load_sentence_transformers(folder: Path) -> LoadedModel:
    from sentence_transformers import SentenceTransformer

    try:
        modules = json.loads((folder / "modules.json").read_text())
        foreign = [m.get("type") for m in modules if not str(m.get("type", "")).startswith(
            SENTENCE_TRANSFORMERS_MODULES)]
    except (json.JSONDecodeError, AttributeError, TypeError):
        raise NotLoadable("modules.json is not a list of sentence-transformers modules") from None
    if foreign:
        raise NotLoadable(f"modules.json names code outside sentence-transformers: {foreign}")
    try:
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True, trust_remote_code=False,
                                    model_kwargs={"use_safetensors": True})
    except Exception as error:  # as above
        raise NotLoadable(f"sentence-transformers cannot load this model: {error}") from None
    return LoadedModel("sentence-transformers", model.eval(), model.tokenizer, _torch_nbytes(model),
                       model.max_seq_length)


def _load_sklearn(path: Path, config: Path) -> LoadedModel:
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    if untrusted:
        raise NotLoadable(f"The model file holds types skops does not trust by default: {', '.join(untrusted)}")
    try:
        model = sio.load(path)
    except Exception as error:  # skops raises many kinds on malformed files
        raise NotLoadable(f"skops cannot load {path.name}: {error}") from None
    if not hasattr(model, "predict"):
        raise NotLoadable(f"{path.name} holds a {type(model).__name__}, which cannot predict")
    return LoadedModel("sklearn", model, nbytes=path.stat().st_size, extras={"columns": _columns(config)})


def _columns(config: Path) -> list[str] | None:
    """The input columns the Hub's sklearn config.json names, in order."""
    try:
        columns = json.loads(config.read_text())["sklearn"]["columns"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [str(c) for c in columns] if isinstance(columns, list) else None
