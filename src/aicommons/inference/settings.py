"""Limits of the inference service, from the environment (AICOMMONS_INFERENCE_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from aicommons.resources.hardware import this_server

MIB = 1024 * 1024


@dataclass(frozen=True)
class InferenceSettings:
    workers: int = 2  # requests computed at once
    queue: int = 16  # requests waiting beyond those; more get 429 with Retry-After
    memory_mb: int = 0  # loaded models' budget; 0: a quarter of this server's memory
    max_input_chars: int = 20_000  # all input strings of a request together
    max_items: int = 64  # inputs in one batch, sentences to compare
    max_rows: int = 10_000  # tabular rows
    max_new_tokens: int = 512
    max_seconds: float = 60.0  # compute time of one request once its model is loaded

    @classmethod
    def from_env(cls, **overrides) -> InferenceSettings:
        values = {}
        for spec in fields(cls):
            raw = os.environ.get(f"AICOMMONS_INFERENCE_{spec.name.upper()}")
            if raw is not None:
                values[spec.name] = float(raw) if spec.type == "float" else int(raw)
        values.update(overrides)
        return cls(**values)

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * MIB if self.memory_mb > 0 else this_server().memory_bytes // 4
