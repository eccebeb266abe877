"""Parameters per dtype, counted from weights-file headers.

A checkpoint may hold tensors that are not trained parameters: buffers the architecture registers (GPT-2's
per-layer causal masks, rotary frequency tables, BERT's position indices) and a second copy of a tied output
head. Those are set aside by the rules in data/buffers.yaml, so the count is the model's, not the file's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from aicommons.resources.headers import TensorInfo, WeightsHeader

DATA = Path(__file__).with_name("data")
SHARD_INDEX = "model.safetensors.index.json"
SINGLE_FILES = ("model.safetensors", "adapter_model.safetensors")
TIED_HEAD = re.compile(r"(^|\.)lm_head\.weight$")
INPUT_EMBEDDINGS = re.compile(r"(^|\.)(embed_tokens|wte|word_embeddings|tok_embeddings)\.weight$")
MAX_LISTED = 20


@cache
def _buffer_rules() -> dict[str, list[re.Pattern]]:
    with open(DATA / "buffers.yaml", encoding="utf-8") as handle:
        rules = yaml.safe_load(handle)
    return {model_type: [re.compile(p) for p in patterns] for model_type, patterns in rules.items()}


@cache
def dtype_bits() -> dict[str, int]:
    with open(DATA / "dtypes.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["safetensors"]


@cache
def _packed_candidates() -> frozenset[str]:
    with open(DATA / "dtypes.yaml", encoding="utf-8") as handle:
        return frozenset(yaml.safe_load(handle)["packed_candidates"])


@dataclass
class ParameterCount:
    by_dtype: dict[str, int] = field(default_factory=dict)
    total: int = 0
    stored_bytes: int = 0  # bytes the counted parameters take in their stored dtypes
    excluded: dict[str, int] = field(default_factory=dict)  # tensor name -> elements set aside
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def hub_json(self) -> dict:
        """The Hub's repo-info shape: ``{"parameters": {dtype: count}, "total": count}``."""
        return {"parameters": dict(self.by_dtype), "total": self.total}

    def to_dict(self) -> dict:
        listed = dict(sorted(self.excluded.items())[:MAX_LISTED])
        return {"parameters": dict(self.by_dtype), "total": self.total, "stored_bytes": self.stored_bytes,
                "files": self.files, "notes": self.notes,
                "excluded": {"tensors": len(self.excluded), "elements": sum(self.excluded.values()),
                             "names": listed}}


def safetensors_files(paths: list[str], shard_index: dict | None) -> list[str]:
    """Which safetensors files make up the model: the shards its index names, else the single weights file,
    else every safetensors file (pipelines spread over sub-folders, for instance)."""
    present = set(paths)
    if shard_index is not None:
        weight_map = shard_index.get("weight_map")
        if isinstance(weight_map, dict):
            shards = sorted({str(name) for name in weight_map.values()})
            return [name for name in shards if name in present]
    for name in SINGLE_FILES:
        if name in present:
            return [name]
    return sorted(p for p in paths if p.lower().endswith(".safetensors"))


def count_parameters(headers: dict[str, WeightsHeader], config: dict | None) -> ParameterCount:
    """Sum the elements of every tensor, by dtype, leaving out buffers and tied copies the config implies."""
    config = config if isinstance(config, dict) else {}
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    rules = _buffer_rules().get("any", []) + _buffer_rules().get(model_type or "", [])
    tensors = [t for header in headers.values() for t in header.tensors]
    tied = _tied_copy(tensors, config)
    count = ParameterCount(files=sorted(headers))
    bits = dtype_bits()
    for tensor in tensors:
        if tensor.name == tied or any(rule.search(tensor.name) for rule in rules):
            count.excluded[tensor.name] = tensor.elements
            continue
        count.by_dtype[tensor.dtype] = count.by_dtype.get(tensor.dtype, 0) + tensor.elements
        count.stored_bytes += tensor.elements * bits.get(tensor.dtype, 0) // 8
    count.by_dtype = dict(sorted(count.by_dtype.items()))
    count.total = sum(count.by_dtype.values())
    unknown = sorted(set(count.by_dtype) - set(bits))
    if unknown:
        count.notes.append(f"unknown dtypes {', '.join(unknown)}: their bytes are not counted")
    packed = sorted(set(count.by_dtype) & _packed_candidates())
    if packed and (config.get("quantization_config") or _dominant(count, packed)):
        count.notes.append(f"{', '.join(packed)} tensors look like packed quantized weights: the count is of "
                           "stored elements, and one element may hold several parameters")
    return count


def _tied_copy(tensors: list[TensorInfo], config: dict) -> str | None:
    """The name of a stored output head that the config ties to the input embeddings, if both are stored."""
    if config.get("tie_word_embeddings") is not True:
        return None
    heads = [t for t in tensors if TIED_HEAD.search(t.name)]
    embeddings = [t for t in tensors if INPUT_EMBEDDINGS.search(t.name)]
    if len(heads) == 1 and any(e.shape == heads[0].shape for e in embeddings):
        return heads[0].name
    return None


def _dominant(count: ParameterCount, dtypes: list[str]) -> bool:
    return sum(count.by_dtype[d] for d in dtypes) * 2 > count.total
