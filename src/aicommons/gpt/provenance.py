"""The training provenance record (`training_provenance.json`): how a set of weights was made.

It names the exact code (a hash of this package's source), the data (content hashes and
hub revisions), the tokenizer, every setting, the seed, the base model's commit and the
hash of the resulting weights, so anyone can check or repeat the run.
"""

from __future__ import annotations

import hashlib
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import torch

SCHEMA = "aicommons.training-provenance/1"
PROVENANCE_FILE = "training_provenance.json"
PACKAGE_DIR = Path(__file__).parent


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_version() -> dict:
    """A hash over the source of this package (file names and contents), plus library versions."""
    digest = hashlib.sha256()
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    for path in files:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return {
        "package": __package__,
        "source_sha256": digest.hexdigest(),
        "source_files": len(files),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "tokenizers": metadata.version("tokenizers"),
    }


def hardware(device: torch.device, processes: int, precision: str) -> dict:
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = _cpu_name()
    return {
        "device": device.type,
        "device_name": name,
        "processes": processes,
        "threads_per_process": torch.get_num_threads(),
        "precision": precision,
        "platform": f"{platform.system()} {platform.machine()}",
    }


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def build_record(
    *,
    started: str,
    code: dict,
    data: dict,
    tokenizer: dict,
    model_config: dict,
    train_config: dict,
    base_model: dict | None,
    hardware: dict,
    result: dict,
    weights_path: Path,
) -> dict:
    return {
        "schema": SCHEMA,
        "started": started,
        "finished": now_utc(),
        "code": code,
        "data": data,
        "tokenizer": tokenizer,
        "base_model": base_model,
        "model_config": model_config,
        "train_config": train_config,
        "seed": train_config["seed"],
        "hardware": hardware,
        "result": result,
        "weights": {"file": weights_path.name, "sha256": sha256_file(weights_path)},
    }
