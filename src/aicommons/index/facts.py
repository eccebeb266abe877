"""Facts about a commit's files: weight formats, config.json, adapter and quantization configs, GGUF headers
and safetensors tensors. Read from headers and small JSON files only; safetensors blobs are hashed once."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select

from aicommons.index.gguf import GGUFError, gguf_base_models, read_gguf_header
from aicommons.index.safetensors_scan import SafetensorsError, Tensor, scan_safetensors, tensor_set_digest
from aicommons.index.tables import SafetensorsFile, SafetensorsTensor

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 5 * 1024 * 1024
QUANTIZE_CONFIG_FILES = ("quantize_config.json", "quantization_config.json")  # AutoGPTQ / AutoAWQ style
CONFIG_KEYS = ("architectures", "model_type", "torch_dtype", "dtype", "_name_or_path", "vocab_size",
               "hidden_size", "num_hidden_layers", "num_attention_heads", "max_position_embeddings")
ADAPTER_KEYS = ("peft_type", "task_type", "base_model_name_or_path", "revision", "r", "lora_alpha",
                "target_modules")


@cache
def _weight_formats() -> dict:
    with open(Path(__file__).with_name("data") / "weight_formats.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass
class FileFacts:
    weight_formats: list[str] = field(default_factory=list)
    weight_files: dict[str, str] = field(default_factory=dict)  # path -> blob sha256, every weight format
    config: dict | None = None  # the identifying keys of config.json
    architectures: list[str] = field(default_factory=list)
    model_type: str | None = None
    adapter: dict | None = None  # adapter_config.json (PEFT)
    quantization: dict | None = None  # with "source": the file it was read from
    gguf: list[dict] = field(default_factory=list)  # one header summary per .gguf file
    safetensors: dict[str, str] = field(default_factory=dict)  # path -> blob sha256
    safetensors_errors: dict[str, str] = field(default_factory=dict)
    parameters: int | None = None
    weights_digest: str | None = None
    problems: list[str] = field(default_factory=list)  # unreadable config files

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FileFacts":
        return cls(**data)

    @property
    def gguf_base_models(self) -> list[str]:
        return [base for header in self.gguf for base in gguf_base_models(header.get("metadata", {}))]


def weight_format(path: str) -> str | None:
    formats = _weight_formats()
    name = path.rsplit("/", 1)[-1].lower()
    if name in formats["not_weights"]:
        return None
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return formats["formats"].get(suffix)


def collect_facts(hub, files: dict) -> FileFacts:
    """Facts of a snapshot's files (path -> FileEntry); safetensors scans are cached in the index tables."""
    facts = FileFacts()
    facts.weight_files = {path: entry.sha256 for path, entry in sorted(files.items()) if weight_format(path)}
    facts.weight_formats = sorted({weight_format(path) for path in facts.weight_files})
    config = _json_file(hub, files, "config.json", facts)
    if config:
        facts.config = {k: config[k] for k in CONFIG_KEYS if k in config}
        architectures = config.get("architectures")
        facts.architectures = [a for a in architectures if isinstance(a, str)] if isinstance(architectures, list) else []
        facts.model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
        if isinstance(config.get("quantization_config"), dict):
            facts.quantization = {"source": "config.json quantization_config", **config["quantization_config"]}
    adapter = _json_file(hub, files, "adapter_config.json", facts)
    if adapter:
        facts.adapter = {k: adapter[k] for k in ADAPTER_KEYS if k in adapter}
    for name in QUANTIZE_CONFIG_FILES:
        quantize = _json_file(hub, files, name, facts)
        if quantize and facts.quantization is None:
            facts.quantization = {"source": name, **quantize}
    for path, entry in sorted(files.items()):
        if path.lower().endswith(".gguf"):
            try:
                facts.gguf.append({"path": path, **read_gguf_header(hub.blobs, entry.sha256, entry.size)})
            except GGUFError as error:
                facts.problems.append(f"{path}: {error}")
    if facts.quantization is None:
        quantized = [h for h in facts.gguf if h["quantized"]]
        if quantized:
            facts.quantization = {"source": f"{quantized[0]['path']} (GGUF)", "quant_method": "gguf",
                                  "file_type": quantized[0]["file_type"]}
    tensors = _safetensors(hub, files, facts)
    facts.parameters = sum(t.parameters for t in tensors) if tensors else None
    facts.weights_digest = tensor_set_digest(tensors)
    return facts


def _json_file(hub, files: dict, path: str, facts: FileFacts) -> dict | None:
    entry = files.get(path)
    if entry is None:
        return None
    if entry.size > MAX_JSON_BYTES:
        facts.problems.append(f"{path}: larger than {MAX_JSON_BYTES} bytes, not read")
        return None
    try:
        data = json.loads(hub.blobs.read(entry.sha256))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        facts.problems.append(f"{path}: not valid JSON ({error})")
        return None
    if not isinstance(data, dict):
        facts.problems.append(f"{path}: not a JSON object")
        return None
    return data


def _safetensors(hub, files: dict, facts: FileFacts) -> list[Tensor]:
    tensors: list[Tensor] = []
    for path, entry in sorted(files.items()):
        if not path.lower().endswith(".safetensors"):
            continue
        facts.safetensors[path] = entry.sha256
        error = ensure_scanned(hub, entry.sha256, entry.size)
        if error:
            facts.safetensors_errors[path] = error
        else:
            tensors += file_tensors(hub, [entry.sha256])
    return tensors


def ensure_scanned(hub, sha256: str, size: int) -> str | None:
    """Scan a safetensors blob unless it was already; returns the reason it is unreadable, if it is."""
    with hub.db.read() as session:
        row = session.get(SafetensorsFile, sha256)
        if row is not None:
            return row.error
    try:
        scan = scan_safetensors(hub.blobs, sha256, size)
        error = None
    except SafetensorsError as problem:
        scan, error = None, str(problem)
    with hub.db.write() as session:
        existing = session.get(SafetensorsFile, sha256)
        if existing is not None:  # another indexer scanned the same content meanwhile
            return existing.error
        session.add(SafetensorsFile(sha256=sha256, tensor_count=len(scan.tensors) if scan else 0,
                                    parameters=scan.parameters if scan else 0,
                                    header_metadata=scan.metadata if scan else {}, error=error))
        session.flush()
        for tensor in scan.tensors if scan else []:
            session.add(SafetensorsTensor(file_sha256=sha256, name=tensor.name, dtype=tensor.dtype,
                                          shape=list(tensor.shape), content_sha256=tensor.content_sha256))
    return error


def file_tensors(hub, sha256s: list[str]) -> list[Tensor]:
    """The tensors of scanned safetensors blobs."""
    if not sha256s:
        return []
    with hub.db.read() as session:
        rows = session.execute(select(SafetensorsTensor).where(SafetensorsTensor.file_sha256.in_(sha256s))).scalars()
        return [Tensor(r.name, r.dtype, tuple(r.shape), r.content_sha256) for r in rows]
