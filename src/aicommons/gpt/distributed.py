"""Data parallelism under `torchrun`: one process per device, gradients averaged by DDP.

`torchrun` sets RANK, WORLD_SIZE and LOCAL_RANK; without them training runs as a single
process. GPUs talk over NCCL, CPU processes over gloo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Runtime:
    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        if self.distributed:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def broadcast(self, tensor: torch.Tensor) -> torch.Tensor:
        """Rank 0's value everywhere, so decisions that depend on a clock agree across ranks."""
        if self.distributed:
            dist.broadcast(tensor, src=0)
        return tensor


def pick_device(requested: str | None = None) -> torch.device:
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def start_runtime(device: str | None = None) -> Runtime:
    """Join the process group when launched by torchrun, else describe a single process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    chosen = pick_device(device)
    if world_size == 1:
        return Runtime(0, 1, chosen)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if chosen.type == "cuda":
        chosen = torch.device("cuda", local_rank)
        torch.cuda.set_device(chosen)
    if not dist.is_initialized():
        dist.init_process_group(
            backend="nccl" if chosen.type == "cuda" else "gloo", device_id=chosen if chosen.type == "cuda" else None
        )
    return Runtime(rank, world_size, chosen)


def stop_runtime(runtime: Runtime) -> None:
    """Leave the process group together, after success only.

    Every rank waits for the others (rank 0 may still be writing files), then all destroy the group: a rank
    tearing gloo down while a peer is still connected can abort the process. After an error torchrun stops
    every rank, and destroying the group then could deadlock, so this is not meant for a `finally`."""
    if runtime.distributed and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
