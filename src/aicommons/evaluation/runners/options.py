"""How a model is run: device, number format and batch size. All three are recorded with each result,
since each can move scores slightly."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from aicommons.errors import InvalidInput

DTYPES = ("float32", "bfloat16", "float16")


@dataclass(frozen=True)
class RunOptions:
    device: str = "cpu"
    dtype: str = "float32"
    batch_size: int = 16

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise InvalidInput("dtype", f"unknown dtype {self.dtype!r}; use one of {', '.join(DTYPES)}")
        if not 1 <= self.batch_size <= 4096:
            raise InvalidInput("batch_size", f"batch size must be between 1 and 4096, not {self.batch_size}")

    @property
    def torch_dtype(self):
        import torch

        return getattr(torch, self.dtype)

    def describe(self) -> dict:
        return asdict(self)
