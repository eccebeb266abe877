"""Which base models a commit derives from, and how: declared by its card, or inferred from its files.

Inference, when the card declares no `base_model_relation`: an adapter config means an adapter; a quantization
config or a quantized GGUF means a quantization; several bases mean a merge; anything else is a fine-tune.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicommons.cards.metadata import REPO_ID, CardMetadata
from aicommons.index.facts import FileFacts


@dataclass(frozen=True)
class EdgeSpec:
    base: str
    relation: str
    evidence: str  # "declared" | "inferred"
    evidence_source: str  # what the relation was read or inferred from
    base_source: str  # where the base itself is named

    @property
    def base_namespace(self) -> str:
        return self.base.rpartition("/")[0]

    @property
    def base_name(self) -> str:
        return self.base.rpartition("/")[2]


def derive_edges(meta: CardMetadata, facts: FileFacts) -> list[EdgeSpec]:
    bases = _bases(meta, facts)
    if not bases:
        return []
    relation, evidence, source = _relation(meta, facts, len(bases))
    return [EdgeSpec(base, relation, evidence, source, base_source) for base, base_source in bases]


def _bases(meta: CardMetadata, facts: FileFacts) -> list[tuple[str, str]]:
    """The card's base_model; failing that, the base an adapter config or a GGUF header names."""
    if meta.base_models:
        return [(base, "card base_model") for base in dict.fromkeys(meta.base_models)]
    named = (facts.adapter or {}).get("base_model_name_or_path")
    if isinstance(named, str) and "/" in named and REPO_ID.match(named):  # not a local folder
        return [(named, "adapter_config.json base_model_name_or_path")]
    return [(base, "GGUF general.base_model") for base in dict.fromkeys(facts.gguf_base_models)]


def _relation(meta: CardMetadata, facts: FileFacts, base_count: int) -> tuple[str, str, str]:
    if meta.base_model_relation:
        return meta.base_model_relation, "declared", "card base_model_relation"
    if facts.adapter is not None:
        return "adapter", "inferred", "adapter_config.json"
    if facts.quantization is not None:
        return "quantized", "inferred", facts.quantization["source"]
    if base_count > 1:
        return "merge", "inferred", f"card names {base_count} base models"
    return "finetune", "inferred", "one base model and no adapter or quantization config"
