"""The dimensions of a transformer, read from its config.json whatever names the architecture gives them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("data")


@cache
def config_keys() -> dict:
    with open(DATA / "config_keys.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class ShapeUnknown(ValueError):
    """config.json lacks a dimension the estimate needs; the message names it."""


@dataclass(frozen=True)
class ModelShape:
    model_type: str | None
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    max_positions: int | None
    gated_mlp: bool
    encoder: bool
    tied_embeddings: bool
    lm_head: bool  # computes vocabulary logits (every decoder; encoders only with a masked-LM head)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def embedding_parameters(self) -> int:
        """Token (and learned position) embeddings, plus an untied output head: what quantizers leave in 16 bits."""
        learned = self.model_type in config_keys()["learned_position_types"] and self.max_positions
        positions = self.max_positions * self.hidden_size if learned else 0
        head = 0 if self.tied_embeddings else self.vocab_size * self.hidden_size
        return self.vocab_size * self.hidden_size + positions + head

    @property
    def attention_width(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def kv_width(self) -> int:
        return self.num_kv_heads * self.head_dim

    def estimated_parameters(self) -> int:
        """Weights counted from the dimensions, for repos without readable weights files (biases ignored)."""
        h = self.hidden_size
        attention = h * self.attention_width * 2 + h * self.kv_width * 2
        mlp = (3 if self.gated_mlp else 2) * h * self.intermediate_size
        norms = 4 * h
        return self.embedding_parameters + self.num_layers * (attention + mlp + norms) + 2 * h


def model_shape(config: dict) -> ModelShape:
    """The dimensions of the language model a config describes (its text model, for multimodal configs)."""
    if not isinstance(config, dict):
        raise ShapeUnknown("config.json is not a JSON object")
    for nested in ("text_config", "llm_config", "language_config"):
        if isinstance(config.get(nested), dict) and _first(config, "hidden_size") is None:
            inner = dict(config[nested])
            inner.setdefault("model_type", config.get("model_type"))
            config = inner
            break
    keys = config_keys()
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    hidden = _required(config, "hidden_size")
    layers = _required(config, "num_layers")
    heads = _required(config, "num_heads")
    kv_heads = _first(config, "num_kv_heads")
    if kv_heads is None:
        kv_heads = 1 if config.get("multi_query") is True else heads
    head_dim = _first(config, "head_dim") or hidden // heads
    intermediate = _first(config, "intermediate_size") or 4 * hidden
    vocab = _first(config, "vocab_size")
    if vocab is None:
        raise ShapeUnknown("config.json names no vocabulary size (vocab_size)")
    if heads % kv_heads:
        raise ShapeUnknown(f"{heads} attention heads cannot be grouped over {kv_heads} key/value heads")
    tied = config.get("tie_word_embeddings")
    encoder = model_type in keys["encoder_types"]
    architectures = [a for a in config.get("architectures") or [] if isinstance(a, str)]
    lm_head = not encoder or any(a.endswith(("ForMaskedLM", "ForPreTraining")) for a in architectures)
    return ModelShape(
        model_type=model_type,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=intermediate,
        vocab_size=vocab,
        max_positions=_first(config, "max_positions"),
        gated_mlp=model_type in keys["gated_mlp_types"],
        encoder=encoder,
        tied_embeddings=True if tied is None else bool(tied),  # transformers' default
        lm_head=lm_head,
    )


def _first(config: dict, dimension: str) -> int | None:
    for key in config_keys()[dimension]:
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _required(config: dict, dimension: str) -> int:
    value = _first(config, dimension)
    if value is None:
        names = " / ".join(config_keys()[dimension])
        raise ShapeUnknown(f"config.json names no {dimension.replace('_', ' ')} ({names})")
    return value
