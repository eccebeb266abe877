"""The training loop: AdamW with warmup and linear cooldown, gradient accumulation,
validation loss and bits per byte, exact checkpoint/resume and data parallelism.

Batches are a pure function of the step number (see `EpochSampler`), so a checkpoint
needs only the weights, the optimizer state, the step and the random generator states to
continue exactly where it stopped. Each optimizer step sees the same sequences whatever
the number of processes: process r takes micro-batches r, r + W, r + 2W, ... of the step.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel

from .config import ModelConfig
from .data import EpochSampler, PreparedData
from .distributed import Runtime
from .export import load_weights
from .model import GPT
from .plot import plot_loss_curve
from .presets import TrainConfig
from .progress import TrainingProgress

CHECKPOINT_FILE = "checkpoint.pt"
METRICS_FILE = "metrics.jsonl"
LOSS_CURVE_FILE = "loss_curve.png"
# Settings that may differ when resuming: they change cadence, budget or speed, not the path taken.
RESUMABLE_CHANGES = {
    "max_steps",
    "max_seconds",
    "eval_every",
    "eval_tokens",
    "checkpoint_every",
    "log_every",
    "micro_batch",
    "compile",
    "device",
}


@dataclass
class TrainState:
    step: int = 0
    elapsed: float = 0.0  # wall-clock seconds of training over every session of this run
    loss: float | None = None  # the last logged training loss


@dataclass(frozen=True)
class Evaluation:
    loss: float  # mean cross-entropy per validation token, in nats
    bits_per_byte: float  # the same, per byte of validation text: comparable across tokenizers


@dataclass(frozen=True)
class TrainResult:
    steps: int
    tokens: int
    elapsed: float
    train_loss: float | None
    evaluation: Evaluation


def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return (
        device.type == "cpu" and torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


class Trainer:
    def __init__(
        self,
        model_config: ModelConfig,
        config: TrainConfig,
        data: PreparedData,
        out_dir: str | Path,
        runtime: Runtime,
        *,
        init_weights: dict[str, torch.Tensor] | None = None,
        show_progress: bool = True,
    ):
        if data.tokenizer.vocab_size > model_config.vocab_size:
            raise ValueError(
                f"tokenizer has {data.tokenizer.vocab_size} tokens but the model only {model_config.vocab_size}"
            )
        if config.seq_len > model_config.max_position_embeddings:
            raise ValueError(
                f"seq_len {config.seq_len} exceeds the model context {model_config.max_position_embeddings}"
            )
        self.config, self.data, self.runtime = config, data, runtime
        self.out_dir = Path(out_dir)
        self.device = runtime.device
        self.micro_batch, self.accumulation = config.micro_steps(runtime.world_size)
        self.show_progress = show_progress and runtime.is_main

        torch.manual_seed(config.seed)  # identical initial weights in every process
        self.model = GPT(model_config)
        if init_weights is not None:
            load_weights(self.model, init_weights)
        self.model.to(self.device)
        self.optimizer = self._make_optimizer()
        self.step_model: torch.nn.Module = self.model
        if config.compile if config.compile is not None else self.device.type == "cuda":
            self.step_model = torch.compile(self.step_model)
        if runtime.distributed:
            self.step_model = DistributedDataParallel(self.step_model)
        use_bf16 = config.precision == "bf16" or (config.precision == "auto" and bf16_supported(self.device))
        self.precision = "bf16" if use_bf16 else "fp32"
        self.sampler = EpochSampler(data.split("train"), config.seq_len, config.seed)
        self.val = data.split("val")
        if self.val.num_windows(config.seq_len) == 0:
            raise ValueError(
                f"validation split has {self.val.tokens} tokens, fewer than one sequence of {config.seq_len + 1}"
            )
        self.token_bytes = data.token_bytes.to(self.device)
        self.state = TrainState()
        self.checkpoint_path = self.out_dir / CHECKPOINT_FILE
        self.metrics_path = self.out_dir / METRICS_FILE

    # -- optimisation -------------------------------------------------------------------

    def _make_optimizer(self) -> torch.optim.Optimizer:
        matrices = [p for p in self.model.parameters() if p.dim() >= 2]
        vectors = [p for p in self.model.parameters() if p.dim() < 2]  # norm gains are not decayed
        cfg = self.config
        return torch.optim.AdamW(
            [{"params": matrices, "weight_decay": cfg.weight_decay}, {"params": vectors, "weight_decay": 0.0}],
            lr=cfg.lr,
            betas=(cfg.beta1, cfg.beta2),
            fused=True,
        )

    def progress(self) -> float:
        """Fraction of training done: by steps, or by time when a wall-clock budget is set."""
        done = self.state.step / self.config.max_steps
        if self.config.max_seconds:
            done = max(done, self.state.elapsed / self.config.max_seconds)
        return min(done, 1.0)

    def learning_rate(self) -> float:
        """Linear warmup, constant, then a linear cooldown over the last `cooldown_frac` of training."""
        cfg = self.config
        warmup = min(1.0, (self.state.step + 1) / cfg.warmup_steps)
        remaining = 1.0 - self.progress()
        cooldown = 1.0 if remaining >= cfg.cooldown_frac else remaining / cfg.cooldown_frac
        return cfg.lr * warmup * (cfg.final_lr_frac + (1 - cfg.final_lr_frac) * cooldown)

    def _autocast(self):
        if self.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def train_step(self) -> torch.Tensor:
        """One optimizer step over `batch_tokens` tokens; returns the mean loss (this process)."""
        micro, world = self.micro_batch, self.runtime.world_size
        first = self.state.step * micro * self.accumulation * world
        total = torch.zeros((), device=self.device)
        for m in range(self.accumulation):
            x, y = self.sampler.batch(first + (m * world + self.runtime.rank) * micro, micro)
            x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
            # Between micro-steps DDP need not average gradients; only the last one syncs.
            last = m == self.accumulation - 1
            sync = contextlib.nullcontext() if last or not self.runtime.distributed else self.step_model.no_sync()
            with sync, self._autocast():
                loss = self.step_model(x, y) / self.accumulation
            loss.backward()
            total += loss.detach()
        if self.config.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        lr = self.learning_rate()
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return total

    # -- evaluation ---------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self) -> Evaluation:
        """Loss and bits per byte over the first `eval_tokens` of the validation split.

        Bits per byte sums the loss of every target that stands for text and divides by the
        UTF-8 bytes of those targets (nanochat's vocabulary-independent measure).
        """
        seq_len, batch = self.config.seq_len, self.micro_batch
        count = min(self.val.num_windows(seq_len), max(1, self.config.eval_tokens // seq_len))
        mine = torch.arange(self.runtime.rank, count, self.runtime.world_size).numpy()
        sums = torch.zeros(4, dtype=torch.float64, device=self.device)  # nats, tokens, text nats, bytes
        for start in range(0, len(mine), batch):
            window = self.val.windows(mine[start : start + batch], seq_len).to(self.device)
            x, y = window[:, :-1], window[:, 1:]
            with self._autocast():
                losses = self.model.token_losses(x, y).double()
            n_bytes = self.token_bytes[y]
            sums += torch.stack(
                [losses.sum(), torch.tensor(y.numel(), device=self.device), losses[n_bytes > 0].sum(), n_bytes.sum()]
            )
        nats, tokens, text_nats, n_bytes = self.runtime.all_reduce_sum(sums).tolist()
        return Evaluation(loss=nats / tokens, bits_per_byte=text_nats / (math.log(2) * n_bytes))

    # -- the loop -----------------------------------------------------------------------

    def train(self, stop_at_step: int | None = None) -> TrainResult:
        """Train until the step or time budget is spent (or `stop_at_step`, to pause a run)."""
        cfg = self.config
        started = time.perf_counter() - self.state.elapsed
        first_step = self.state.step
        window_start, window_steps = time.perf_counter(), 0
        with TrainingProgress(self.show_progress, self.progress()) as bar:
            while self.progress() < 1.0 and (stop_at_step is None or self.state.step < stop_at_step):
                step_loss = self.train_step()
                self.state.step += 1
                self.state.elapsed = self._agreed_time(time.perf_counter() - started)
                window_steps += 1
                if self.state.step % cfg.log_every == 0:
                    self.state.loss = loss = self.runtime.all_reduce_sum(step_loss).item() / self.runtime.world_size
                    now = time.perf_counter()
                    speed = window_steps * cfg.batch_tokens / (now - window_start)
                    window_start, window_steps = now, 0
                    self._log(kind="train", loss=loss, lr=self.learning_rate(), tokens_per_s=round(speed))
                    bar.update(self.progress(), self.state.step, loss, speed)
                finished = self.progress() >= 1.0
                if self.state.step % cfg.eval_every == 0 and not finished:
                    evaluation = self.evaluate()
                    self._log(kind="eval", val_loss=evaluation.loss, val_bpb=evaluation.bits_per_byte)
                    bar.note(
                        f"step {self.state.step}: val loss {evaluation.loss:.4f}, "
                        f"{evaluation.bits_per_byte:.4f} bits/byte"
                    )
                if self.state.step % cfg.checkpoint_every == 0 or finished:
                    self.save_checkpoint()
        if stop_at_step is not None and self.progress() < 1.0:
            self.save_checkpoint()
        evaluation = self.evaluate()
        if self.state.step > first_step:  # resuming a finished run adds nothing to its log
            self._log(kind="eval", val_loss=evaluation.loss, val_bpb=evaluation.bits_per_byte)
        if self.runtime.is_main:
            plot_loss_curve(self.metrics_path, self.out_dir / LOSS_CURVE_FILE)
        return TrainResult(
            steps=self.state.step,
            tokens=self.state.step * cfg.batch_tokens,
            elapsed=self.state.elapsed,
            train_loss=self.state.loss,
            evaluation=evaluation,
        )

    def _agreed_time(self, seconds: float) -> float:
        """Rank 0's clock, so that every process stops at the same step under a time budget."""
        if not self.config.max_seconds or not self.runtime.distributed:
            return seconds
        return self.runtime.broadcast(torch.tensor([seconds], dtype=torch.float64, device=self.device)).item()

    def _log(self, **record) -> None:
        if not self.runtime.is_main:
            return
        record = {"step": self.state.step, "tokens": self.state.step * self.config.batch_tokens, **record}
        record["elapsed_s"] = round(self.state.elapsed, 3)
        self.metrics_path.parent.mkdir(parents=True, exist_ok=True)
        with self.metrics_path.open("a") as out:
            out.write(json.dumps(record) + "\n")

    # -- checkpoints --------------------------------------------------------------------

    def save_checkpoint(self) -> None:
        """Everything needed to continue bit for bit, written atomically by rank 0."""
        if not self.runtime.is_main:
            return
        payload = {
            "model_config": self.model.config.to_dict(),
            "train_config": self.config.to_dict(),
            "data_key": self.data.key,
            "state": asdict(self.state),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else [],
            },
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(payload, tmp)
        os.replace(tmp, self.checkpoint_path)

    def resume(self) -> None:
        """Continue from `checkpoint.pt` in the output folder, refusing one from a different run."""
        if not self.checkpoint_path.is_file():
            raise FileNotFoundError(f"no checkpoint to resume from at {self.checkpoint_path}")
        payload = torch.load(self.checkpoint_path, map_location=self.device, weights_only=True)
        if payload["model_config"] != self.model.config.to_dict():
            raise ValueError("checkpoint was made for a different model shape; use another --out folder")
        if payload["data_key"] != self.data.key:
            raise ValueError("checkpoint was trained on different data or tokenizer; use another --out folder")
        changed = {
            k
            for k, v in payload["train_config"].items()
            if k not in RESUMABLE_CHANGES and self.config.to_dict().get(k) != v
        }
        if changed:
            raise ValueError(f"cannot resume with changed training settings: {', '.join(sorted(changed))}")
        self.model.load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.state = TrainState(**payload["state"])
        torch.set_rng_state(payload["rng"]["torch"].cpu())
        if payload["rng"]["cuda"]:
            torch.cuda.set_rng_state_all([s.cpu() for s in payload["rng"]["cuda"]])
        if self.runtime.is_main:
            self._forget_metrics_after(self.state.step)

    def _forget_metrics_after(self, step: int) -> None:
        """Metrics logged after the checkpoint were from steps that will now be redone."""
        if self.metrics_path.is_file():
            kept = [
                line
                for line in self.metrics_path.read_text().splitlines()
                if line.strip() and json.loads(line)["step"] <= step
            ]
            self.metrics_path.write_text("".join(line + "\n" for line in kept))
