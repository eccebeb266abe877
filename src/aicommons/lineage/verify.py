"""Verified lineage: does a derivative's safetensors really come from the base it claims?

Statuses: `identical` (every tensor equal: a copy), `verified` (shares the base's architecture: most of the
base's tensors are there by name and shape, unchanged or changed), `partial` (some shared, most not),
`mismatch` (shares nothing with the claimed base), `unverified` (one side has no readable safetensors).
An adapter is verified when the modules its LoRA tensors adapt exist in the base with matching sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aicommons.index.safetensors_scan import Tensor

SHARED_ARCHITECTURE = 0.5  # fraction of the base's tensors a derivative must share to count as built on it
_LORA_PARTS = (".lora_A.", ".lora_B.", ".lora_embedding_A", ".lora_embedding_B")


@dataclass(frozen=True)
class Verification:
    status: str
    detail: dict = field(default_factory=dict)


def verify(derivative: list[Tensor], base: list[Tensor], relation: str) -> Verification:
    if not derivative:
        return Verification("unverified", {"reason": "the derivative has no readable safetensors"})
    if not base:
        return Verification("unverified", {"reason": "the base has no readable safetensors"})
    if relation == "adapter" or any(part in t.name for t in derivative for part in _LORA_PARTS):
        return _verify_adapter(derivative, base)
    return _verify_weights({t.name: t for t in derivative}, {t.name: t for t in base}, relation)


def _verify_weights(child: dict[str, Tensor], base: dict[str, Tensor], relation: str) -> Verification:
    shared = child.keys() & base.keys()
    same_shape = {n for n in shared if child[n].shape == base[n].shape}
    unchanged = {n for n in same_shape if child[n].dtype == base[n].dtype
                 and child[n].content_sha256 == base[n].content_sha256}
    detail = {"base_tensors": len(base), "derivative_tensors": len(child), "shared_names": len(shared),
              "same_shape": len(same_shape), "unchanged": len(unchanged), "changed": len(same_shape - unchanged)}
    if not shared:
        return Verification("mismatch", {**detail, "reason": "no tensor of the claimed base is in this model"})
    if len(unchanged) == len(base) == len(child):
        return Verification("identical", detail)
    # a quantization keeps the names but packs the shapes; everything else keeps both
    matched = len(shared) if relation == "quantized" else len(same_shape)
    if matched >= SHARED_ARCHITECTURE * len(base):
        return Verification("verified", detail)
    return Verification("partial", {**detail, "reason": "shares fewer than half of the base's tensors"})


def _verify_adapter(adapter: list[Tensor], base: list[Tensor]) -> Verification:
    """LoRA tensors `<prefix>.<module>.lora_A.weight` [r, in] and `lora_B` [out, r] adapt `<module>.weight`."""
    base_by_name = {t.name: t for t in base}
    modules: dict[str, dict[str, Tensor]] = {}
    for tensor in adapter:
        for part in (".lora_A.", ".lora_B."):
            if part in tensor.name:
                modules.setdefault(tensor.name.split(part, 1)[0], {})[part.strip(".")] = tensor
    if not modules:
        return Verification("unverified", {"reason": "no LoRA tensors to compare"})
    found = fitting = 0
    for module, parts in modules.items():
        target = _base_weight(module, base_by_name)
        if target is None:
            continue
        found += 1
        if _lora_fits(parts, target):
            fitting += 1
    detail = {"adapted_modules": len(modules), "found_in_base": found, "sizes_match": fitting}
    if found == 0:
        return Verification("mismatch", {**detail, "reason": "no module this adapter changes exists in the base"})
    if fitting == len(modules):
        return Verification("verified", detail)
    return Verification("partial", {**detail, "reason": "some adapted modules are missing or differ in size"})


def _base_weight(module: str, base: dict[str, Tensor]) -> Tensor | None:
    """The base tensor a LoRA module adapts: PEFT prefixes names (base_model.model.), so drop leading parts."""
    parts = module.split(".")
    for start in range(len(parts)):
        tensor = base.get(".".join(parts[start:]) + ".weight")
        if tensor is not None:
            return tensor
    return None


def _lora_fits(parts: dict[str, Tensor], target: Tensor) -> bool:
    a, b = parts.get("lora_A"), parts.get("lora_B")
    if a is None or b is None or len(a.shape) != 2 or len(b.shape) != 2 or len(target.shape) != 2:
        return False
    # torch Linear stores [out, in]; GPT-2's Conv1D stores [in, out]: either orientation fits
    return {b.shape[0], a.shape[1]} == set(target.shape) and a.shape[0] == b.shape[1]
