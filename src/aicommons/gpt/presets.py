"""Training settings, and presets that derive them from one dial: depth.

Depth sets the width (64 per layer), the number of heads, the vocabulary, the context,
the batch and the learning rate; a preset adds only a training horizon, in tokens per
parameter. The budgets in `Preset.budget` were measured, not guessed; see docs/gpt-tutorial.md.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from .config import ModelConfig


@dataclass(frozen=True)
class TrainConfig:
    seq_len: int = 128
    micro_batch: int = 32  # sequences per forward pass in each process
    batch_tokens: int = 8192  # tokens per optimizer step, over all processes and micro-steps
    max_steps: int = 1000
    max_seconds: float | None = None  # wall-clock budget; the schedule then follows elapsed time
    lr: float = 3e-3
    final_lr_frac: float = 0.0
    warmup_steps: int = 20
    cooldown_frac: float = 0.5  # the last half of training decays the learning rate linearly
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    eval_every: int = 100
    eval_tokens: int = 1 << 17
    checkpoint_every: int = 200
    log_every: int = 1
    seed: int = 1337
    val_fraction: float = 0.02
    precision: str = "auto"  # "auto" (bf16 where the hardware has it), "bf16" or "fp32"
    compile: bool | None = None  # None: compile on CUDA only
    device: str | None = None  # None: CUDA when available

    def __post_init__(self) -> None:
        if self.precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"precision must be auto, bf16 or fp32, got {self.precision!r}")
        for name in ("seq_len", "micro_batch", "batch_tokens", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    def micro_steps(self, world_size: int) -> tuple[int, int]:
        """(sequences per forward pass, forward passes per step) in each of `world_size` processes,
        so that one optimizer step sees `batch_tokens` tokens over all of them."""
        sequences, rest = divmod(self.batch_tokens, self.seq_len * world_size)
        if rest or not sequences:
            raise ValueError(
                f"batch_tokens {self.batch_tokens} is not a multiple of "
                f"seq_len x processes = {self.seq_len * world_size}"
            )
        micro = max(d for d in range(1, min(self.micro_batch, sequences) + 1) if sequences % d == 0)
        return micro, sequences // micro

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _power_of_two_at_least(x: float) -> int:
    return 1 << max(0, math.ceil(math.log2(x)))


@dataclass(frozen=True)
class Preset:
    name: str
    depth: int
    tokens_per_param: float
    budget: str  # what one run costs, as measured

    def model_config(self, depth: int | None = None) -> ModelConfig:
        depth = depth or self.depth
        scale = _power_of_two_at_least(depth)
        return ModelConfig.from_depth(depth, vocab_size=2048 * scale, max_position_embeddings=min(1024, 64 * scale))

    def train_config(self, model: ModelConfig, **overrides: Any) -> TrainConfig:
        """Settings for `model`, scaled from its width; `overrides` (None values ignored) win."""
        depth = model.num_hidden_layers
        seq_len = model.max_position_embeddings
        batch_tokens = seq_len * _power_of_two_at_least(32 * depth)  # 8K tokens at depth 2, 512K at depth 12
        micro_batch = max(1, min(32, (1 << 15) // seq_len))
        params = model.num_parameters()
        steps = max(1, round(self.tokens_per_param * params / batch_tokens))
        config = TrainConfig(
            seq_len=seq_len,
            micro_batch=micro_batch,
            batch_tokens=batch_tokens,
            max_steps=steps,
            lr=0.003 * math.sqrt(128 / model.hidden_size),  # wider layers need smaller Adam steps
            warmup_steps=max(10, steps // 50),
            eval_every=max(25, steps // 20),
            checkpoint_every=max(50, steps // 10),
        )
        return config.replace(**overrides)


PRESETS = {
    p.name: p
    for p in (
        Preset("tiny", depth=2, tokens_per_param=6.0, budget="about 5 minutes on 2 CPU cores"),
        Preset("small", depth=4, tokens_per_param=4.0, budget="about an hour on 2 CPU cores"),
        Preset("gpt2", depth=12, tokens_per_param=10.0, budget="GPU-scale: hours on one GPU"),
    )
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
