"""The resources report of a model: parameters, dimensions, memory estimates and the hardware that fits.

It reads a model's files through ``ModelFiles``: a commit on the hub (headers cached per blob) or a folder on
disk (the CLI), so both answer the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aicommons.errors import InvalidInput
from aicommons.hub import Hub
from aicommons.json_text import json_object
from aicommons.repos.reading import Snapshot
from aicommons.resources import estimate
from aicommons.resources.architecture import ModelShape, ShapeUnknown, config_keys, model_shape
from aicommons.resources.hardware import Device, common_devices, this_server
from aicommons.resources.headers import HeaderError, WeightsHeader, file_reader
from aicommons.resources.parameters import (
    SHARD_INDEX,
    ParameterCount,
    count_parameters,
    safetensors_files,
)
from aicommons.resources.store import READERS, header_format, weights_header

DEFAULT_CONTEXT = 2048
MAX_CONTEXT = 10_000_000
MAX_BATCH = 4096
MAX_CONFIG_BYTES = 5 * 1024 * 1024


class ModelFiles(Protocol):
    paths: list[str]

    def size(self, path: str) -> int: ...

    def read_text(self, path: str) -> str | None: ...

    def header(self, path: str) -> WeightsHeader: ...


@dataclass
class CommitFiles:
    hub: Hub
    snap: Snapshot

    @property
    def paths(self) -> list[str]:
        return sorted(self.snap.files)

    def size(self, path: str) -> int:
        return self.snap.files[path].size

    def read_text(self, path: str) -> str | None:
        entry = self.snap.files.get(path)
        if entry is None or entry.size > MAX_CONFIG_BYTES:
            return None
        return self.hub.blobs.read(entry.sha256).decode("utf-8", "replace")

    def header(self, path: str) -> WeightsHeader:
        return weights_header(self.hub, path, self.snap.files[path])


@dataclass
class FolderFiles:
    root: Path

    @property
    def paths(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def size(self, path: str) -> int:
        return (self.root / path).stat().st_size

    def read_text(self, path: str) -> str | None:
        file = self.root / path
        if not file.is_file() or file.stat().st_size > MAX_CONFIG_BYTES:
            return None
        return file.read_text("utf-8", "replace")

    def header(self, path: str) -> WeightsHeader:
        file = self.root / path
        return READERS[header_format(path)](file_reader(file), file.stat().st_size)


def read_config(files: ModelFiles) -> dict | None:
    return json_object(files.read_text("config.json"))


def parameter_count(files: ModelFiles, config: dict | None = None) -> ParameterCount | None:
    """Parameters of the model's safetensors files, or None when it has none."""
    paths = files.paths
    chosen = safetensors_files(paths, json_object(files.read_text(SHARD_INDEX)))
    if not chosen:
        return None
    headers, problems = {}, []
    for path in chosen:
        try:
            headers[path] = files.header(path)
        except HeaderError as error:
            problems.append(f"{path}: {error}")
    count = count_parameters(headers, config if config is not None else read_config(files))
    count.notes[:0] = [f"unreadable, not counted: {problem}" for problem in problems]
    return count


def safetensors_info(hub: Hub, snap: Snapshot) -> dict | None:
    """What the Hub's model info shows as ``safetensors``: ``{"parameters": {dtype: n}, "total": n}``."""
    count = parameter_count(CommitFiles(hub, snap))
    return count.hub_json() if count is not None and count.total else None


def check_request(context: int | None, batch: int | None, shape: ModelShape | None) -> tuple[int, int]:
    if batch is None:
        batch = 1
    if not 1 <= batch <= MAX_BATCH:
        raise InvalidInput("batch", f"batch must be between 1 and {MAX_BATCH}, not {batch}")
    if context is None:
        context = min(shape.max_positions or DEFAULT_CONTEXT, DEFAULT_CONTEXT) if shape else DEFAULT_CONTEXT
    if not 1 <= context <= MAX_CONTEXT:
        raise InvalidInput("context", f"context must be between 1 and {MAX_CONTEXT} tokens, not {context}")
    return context, batch


def gguf_config(header: WeightsHeader) -> dict:
    """The config.json a GGUF header stands for: its architecture's dimensions under config.json names."""
    dimensions = header.metadata.get("dimensions", {})
    config = {"model_type": header.metadata.get("architecture"), "vocab_size": header.metadata.get("vocab_size")}
    for name, key in config_keys()["gguf"].items():
        if isinstance(dimensions.get(key), (int, float)):
            config[name] = int(dimensions[key])
    return config


def _gguf_headers(files: ModelFiles, notes: list[str]) -> dict[str, WeightsHeader]:
    headers = {}
    for path in files.paths:
        if path.lower().endswith(".gguf"):
            try:
                headers[path] = files.header(path)
            except HeaderError as error:
                notes.append(f"{path}: unreadable GGUF header, not counted: {error}")
    return headers


def _gguf_entry(files: ModelFiles, path: str, header: WeightsHeader, context: int, batch: int) -> dict:
    by_type = {tensor.dtype: tensor.elements for tensor in header.tensors}
    entry = {"path": path, "size": files.size(path), "architecture": header.metadata.get("architecture"),
             "file_type": header.metadata.get("file_type"), "parameters": by_type, "total": sum(by_type.values())}
    try:
        shape = model_shape(gguf_config(header))
    except ShapeUnknown:
        return entry
    entry["inference"] = estimate.quantized_file(shape, entry["size"], context, batch).to_dict()
    return entry


def resources_report(files: ModelFiles, context: int | None = None, batch: int | None = None,
                     server: Device | None = None) -> dict:
    """Everything the resources API, page panel and CLI show. Estimates need config.json (or a GGUF header's
    dimensions); counts need weights."""
    config = read_config(files)
    count = parameter_count(files, config)
    notes: list[str] = []
    ggufs = _gguf_headers(files, notes)
    shape, source_config = None, config
    if config is None and ggufs:  # a GGUF-only repo: the first file's header describes the model
        source_config = gguf_config(next(iter(ggufs.values())))
    if source_config is None:
        notes.append("no readable config.json: memory cannot be estimated")
    else:
        try:
            shape = model_shape(source_config)
        except ShapeUnknown as error:
            notes.append(f"memory cannot be estimated: {error}")
    context, batch = check_request(context, batch, shape)
    report: dict = {"context": context, "batch": batch,
                    "parameters": count.to_dict() if count else None,
                    "gguf": [_gguf_entry(files, path, header, context, batch) for path, header in ggufs.items()],
                    "architecture": shape.to_dict() if shape else None, "notes": notes}
    if shape is None:
        return report
    if count is not None and count.total:
        total, source = count.total, "weights headers"
    elif report["gguf"]:
        total, source = report["gguf"][0]["total"], "GGUF header"
    else:
        total, source = shape.estimated_parameters(), "config.json dimensions"
        notes.append("no readable safetensors weights: parameters estimated from config.json dimensions")
    if shape.max_positions and context > shape.max_positions:
        notes.append(f"context {context} is longer than the model's {shape.max_positions} positions")
    running = estimate.inference(shape, total, context, batch)
    tuning = estimate.training(shape, total, context, batch)
    report.update(
        parameter_total=total, parameter_source=source,
        inference={k: v.to_dict() for k, v in running.items()},
        training={k: v.to_dict() for k, v in tuning.items()},
        lora_parameters=estimate.lora_parameters(shape),
        assumptions=list(estimate.ASSUMPTIONS),
        hardware=[_fits(device, running, tuning, batch) for device in (*common_devices(), server or this_server())],
    )
    return report


def _fits(device: Device, running: dict[str, estimate.Estimate], tuning: dict[str, estimate.Estimate],
          batch: int) -> dict:
    speed = {}
    for precision, est in running.items():
        steps = device.decode_steps_per_s(est.components["weights"] + est.components["kv_cache"])
        if steps is not None:
            speed[precision] = round(steps * batch, 1)  # each step yields one token per sequence
    return {**device.to_dict(),
            "inference": {k: v.total <= device.usable_bytes for k, v in running.items()},
            "training": {k: v.total <= device.usable_bytes for k, v in tuning.items()},
            "decode_tokens_per_s_bound": speed}
