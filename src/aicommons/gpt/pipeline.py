"""One training run from start to finish: data, model, training, export, card, publish.

This is what `aicommons train` calls; under `torchrun` every process runs it, and only
rank 0 writes the export and publishes.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .card import render_card
from .data import PreparedData, prepare_data
from .distributed import Runtime, start_runtime, stop_runtime
from .export import WEIGHTS_FILE, read_config, read_weights, save_model
from .hub import ModelLocation, locate_model, publish
from .presets import get_preset
from .provenance import PROVENANCE_FILE, build_record, code_version, hardware, now_utc, sha256_file
from .sources import BUILTIN, resolve_source
from .tokenizer import Tokenizer
from .trainer import LOSS_CURVE_FILE, METRICS_FILE, Trainer, TrainResult

EXPORT_DIR = "model"
FINETUNE_LR_SCALE = 0.1  # a trained model needs gentler steps than a fresh one


@dataclass
class RunRequest:
    data: list[str] = field(default_factory=list)  # empty: the built-in corpus
    preset: str = "tiny"
    depth: int | None = None
    init_from: str | None = None
    out: str = "out/gpt"
    resume: bool = False
    max_seconds: float | None = None
    max_steps: int | None = None
    seed: int | None = None
    device: str | None = None
    precision: str | None = None
    compile: bool | None = None
    push: str | None = None
    license: str = "apache-2.0"
    private: bool = False
    endpoint: str | None = None
    token: str | None = None
    cache_dir: str | None = None
    show_progress: bool = True


@dataclass(frozen=True)
class RunSummary:
    export_dir: Path
    result: TrainResult
    commit: str | None  # the hub commit when pushed


def run(request: RunRequest) -> RunSummary | None:
    """Train, export and optionally publish; the summary comes back in rank 0 only."""
    runtime = start_runtime(request.device)
    summary = _run(request, runtime)
    stop_runtime(runtime)  # peers wait here while rank 0 exports and publishes
    return summary


def _run(request: RunRequest, runtime: Runtime) -> RunSummary | None:
    started = now_utc()
    preset = get_preset(request.preset)
    if request.init_from and request.depth:
        raise ValueError("--depth cannot change the shape of a model given with --init-from")
    base = (
        locate_model(request.init_from, endpoint=request.endpoint, token=request.token) if request.init_from else None
    )
    if base:
        model_config, tokenizer, init_weights = (
            read_config(base.path),
            Tokenizer.load(base.path),
            read_weights(base.path),
        )
    else:
        model_config, tokenizer, init_weights = preset.model_config(request.depth), None, None
    train_config = preset.train_config(
        model_config,
        max_seconds=request.max_seconds,
        max_steps=request.max_steps,
        seed=request.seed,
        device=request.device,
        precision=request.precision,
        compile=request.compile,
    )
    if base:
        train_config = train_config.replace(lr=train_config.lr * FINETUNE_LR_SCALE)

    sources = [
        resolve_source(spec, endpoint=request.endpoint, token=request.token) for spec in (request.data or [BUILTIN])
    ]
    data = _prepare_in_turn(
        runtime,
        lambda: prepare_data(
            sources,
            tokenizer=tokenizer,
            vocab_size=model_config.vocab_size,
            val_fraction=train_config.val_fraction,
            cache_dir=Path(request.cache_dir) if request.cache_dir else None,
        ),
    )
    if not base:  # a small corpus may stop BPE short of the preset's vocabulary: no unused rows
        model_config = dataclasses.replace(model_config, vocab_size=data.tokenizer.vocab_size)
    out = Path(request.out)
    trainer = Trainer(
        model_config, train_config, data, out, runtime, init_weights=init_weights, show_progress=request.show_progress
    )
    if request.resume:
        trainer.resume()
    elif runtime.is_main:
        (out / METRICS_FILE).unlink(missing_ok=True)  # a fresh run starts a fresh log
    runtime.barrier()
    result = trainer.train()
    if not runtime.is_main:
        return None

    export_dir = out / EXPORT_DIR
    record = _export(trainer, result, base, started, export_dir)
    name = request.push.split("/")[-1] if request.push else f"aicommons-gpt-{preset.name}"
    curve = LOSS_CURVE_FILE if (export_dir / LOSS_CURVE_FILE).is_file() else None
    (export_dir / "README.md").write_text(
        render_card(record, request.license, name, request.push, curve), encoding="utf-8"
    )
    commit = None
    if request.push:
        commit = publish(
            export_dir, request.push, endpoint=request.endpoint, token=request.token, private=request.private
        )
    return RunSummary(export_dir, result, commit)


def _export(trainer: Trainer, result: TrainResult, base: ModelLocation | None, started: str, export_dir: Path) -> dict:
    """Write the Hugging Face folder, the run's metrics and loss curve, and the provenance record
    (which is returned)."""
    if export_dir.exists():
        shutil.rmtree(export_dir)
    data = trainer.data
    save_model(trainer.model, data.tokenizer, export_dir)
    for name in (METRICS_FILE, LOSS_CURVE_FILE):
        if (trainer.out_dir / name).is_file():
            shutil.copy2(trainer.out_dir / name, export_dir / name)
    record = build_record(
        started=started,
        code=code_version(),
        data={
            "cache_key": data.key,
            "val_fraction": data.meta["val_fraction"],
            "sources": data.meta["sources"],
            "splits": {k: {f: v[f] for f in ("documents", "tokens", "bytes")} for k, v in data.meta["splits"].items()},
        },
        tokenizer={
            "sha256": data.tokenizer.sha256,
            "vocab_size": data.tokenizer.vocab_size,
            "from_base_model": bool(base),
        },
        model_config=trainer.model.config.to_dict(),
        train_config=trainer.config.to_dict(),
        base_model=_describe_base(base),
        hardware=hardware(trainer.device, trainer.runtime.world_size, trainer.precision),
        result={
            "steps": result.steps,
            "tokens": result.tokens,
            "wall_time_s": round(result.elapsed, 1),
            "parameters": trainer.model.num_parameters(),
            "train_loss": result.train_loss,
            "val_loss": result.evaluation.loss,
            "val_bpb": result.evaluation.bits_per_byte,
        },
        weights_path=export_dir / WEIGHTS_FILE,
    )
    (export_dir / PROVENANCE_FILE).write_text(json.dumps(record, indent=2) + "\n")
    return record


def _prepare_in_turn(runtime: Runtime, prepare) -> PreparedData:
    """Rank 0 builds the shared cache; the others then read it instead of racing to build it."""
    if runtime.is_main:
        data = prepare()
    runtime.barrier()
    if not runtime.is_main:
        data = prepare()
    return data


def _describe_base(base: ModelLocation | None) -> dict | None:
    if base is None:
        return None
    record = {"weights_sha256": sha256_file(base.path / WEIGHTS_FILE)}
    if base.repo_id:
        record.update(repo_id=base.repo_id, revision=base.revision)
    else:
        record["path"] = str(base.path)
    return record
