"""Model shape, and how it maps onto a `transformers` Llama config.

Field names are the ones `transformers.LlamaConfig` uses, so `config.json` is written
and read without a translation table. One dial, `depth`, sets the rest of the shape
(nanochat's idea): width grows with depth at a fixed aspect ratio of 64, and every head
is 64 wide.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

ASPECT_RATIO = 64  # hidden size per layer of depth
HEAD_DIM = 64


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    bos_token_id: int = 0
    eos_token_id: int = 0

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of num_attention_heads {self.num_attention_heads}"
            )
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError(
                f"num_attention_heads {self.num_attention_heads} is not a multiple of "
                f"num_key_value_heads {self.num_key_value_heads}"
            )
        if self.head_dim % 2:
            raise ValueError(f"head size {self.head_dim} must be even for rotary embeddings")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def from_depth(cls, depth: int, vocab_size: int, max_position_embeddings: int) -> "ModelConfig":
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        hidden = ASPECT_RATIO * depth
        # SwiGLU has three matrices, so 8/3 of the width keeps the MLP cost of a 4x GELU MLP.
        intermediate = 64 * math.ceil(hidden * 8 / 3 / 64)
        heads = hidden // HEAD_DIM
        return cls(
            vocab_size=vocab_size,
            hidden_size=hidden,
            intermediate_size=intermediate,
            num_hidden_layers=depth,
            num_attention_heads=heads,
            num_key_value_heads=heads,
            max_position_embeddings=max_position_embeddings,
        )

    def num_parameters(self) -> int:
        """Trainable parameters of the network this config describes (tied head counted once)."""
        kv_width = self.num_key_value_heads * self.head_dim
        per_layer = (
            2 * self.hidden_size * self.hidden_size  # q_proj, o_proj
            + 2 * self.hidden_size * kv_width  # k_proj, v_proj
            + 3 * self.hidden_size * self.intermediate_size  # gate, up, down
            + 2 * self.hidden_size  # two norms
        )
        embeddings = self.vocab_size * self.hidden_size * (1 if self.tie_word_embeddings else 2)
        return self.num_hidden_layers * per_layer + embeddings + self.hidden_size

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_hf_config(self) -> dict[str, Any]:
        """The `config.json` that makes `AutoModelForCausalLM` build the same network."""
        fields = self.to_dict()
        rope_theta = fields.pop("rope_theta")
        return {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            **fields,
            "head_dim": self.head_dim,
            "hidden_act": "silu",
            "attention_bias": False,
            "mlp_bias": False,
            "attention_dropout": 0.0,
            "rope_parameters": {"rope_type": "default", "rope_theta": rope_theta},
            "rope_theta": rope_theta,  # older transformers read this key
            "initializer_range": 0.02,
            "pad_token_id": self.eos_token_id,
            "use_cache": True,
            "dtype": "float32",
        }

    @classmethod
    def from_hf_config(cls, hf: dict[str, Any]) -> "ModelConfig":
        """Read a Llama `config.json`, refusing features this compact model does not implement."""
        if hf.get("model_type") != "llama":
            raise ValueError(f"only Llama-architecture models are supported, this one is {hf.get('model_type')!r}")
        unsupported = {
            "hidden_act": (hf.get("hidden_act", "silu"), "silu"),
            "attention_bias": (hf.get("attention_bias", False), False),
            "mlp_bias": (hf.get("mlp_bias", False), False),
        }
        for key, (value, wanted) in unsupported.items():
            if value != wanted:
                raise ValueError(f"unsupported model config: {key}={value!r} (this model needs {wanted!r})")
        rope = hf.get("rope_parameters") or hf.get("rope_scaling") or {}
        if rope.get("rope_type", rope.get("type", "default")) != "default":
            raise ValueError(f"unsupported rope scaling {rope!r}: only plain rotary embeddings are implemented")
        heads = hf["num_attention_heads"]
        if hf.get("head_dim") not in (None, hf["hidden_size"] // heads):
            raise ValueError(f"unsupported head_dim {hf['head_dim']}: it must equal hidden_size / num_attention_heads")
        eos = hf.get("eos_token_id", 0)
        return cls(
            vocab_size=hf["vocab_size"],
            hidden_size=hf["hidden_size"],
            intermediate_size=hf["intermediate_size"],
            num_hidden_layers=hf["num_hidden_layers"],
            num_attention_heads=heads,
            num_key_value_heads=hf.get("num_key_value_heads") or heads,
            max_position_embeddings=hf["max_position_embeddings"],
            rms_norm_eps=hf.get("rms_norm_eps", 1e-6),
            rope_theta=rope.get("rope_theta", hf.get("rope_theta", 10000.0)),
            tie_word_embeddings=hf.get("tie_word_embeddings", False),
            bos_token_id=hf.get("bos_token_id", 0),
            eos_token_id=eos[0] if isinstance(eos, list) else eos,
        )
