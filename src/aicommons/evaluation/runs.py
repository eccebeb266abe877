"""Running one task on one model: rows from the hub, samples, cached or fresh outputs, scores, record."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable

from aicommons.evaluation import metrics as metric_registry
from aicommons.evaluation import output_types, records
from aicommons.evaluation.cache import SampleCache
from aicommons.evaluation.datasets import load_split
from aicommons.evaluation.runners import ModelFolder, open_model, parameter_count
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.spec import task_to_dict

Report = Callable[[float, str], None]
# shares of the progress bar: reading data and loading the model, then the samples, then scoring
PREPARE, RUN = 0.05, 0.9


def evaluate(hub, task, model: ModelFolder, options: RunOptions = RunOptions(), *, cache: SampleCache | None = None,
             report: Report | None = None) -> dict:
    """An unsigned record of ``task`` run on ``model``."""
    report = report or (lambda fraction, message="": None)
    started_at = datetime.now(timezone.utc)
    clock = time.perf_counter()
    kind = output_types.module_for(task.output_type)
    report(0.0, "reading the data set")
    split = load_split(hub, task, task.split)
    rows = split.rows[:task.limit] if task.limit else split.rows
    fewshot = None
    if getattr(task, "fewshot", None) and task.fewshot.count:
        fewshot = load_split(hub, task, task.fewshot.split)
    prepared = kind.build(task, rows, fewshot.rows if fewshot else [])
    model_kind = model.kind
    keys = [SampleCache.key(model.key, task, options, prepared.shared, s.input) for s in prepared.samples]
    stored = cache.get_many(keys) if cache else {}
    missing = [(s, k) for s, k in zip(prepared.samples, keys) if k not in stored]
    if missing:
        report(PREPARE / 2, f"loading the model ({len(missing)} of {len(keys)} samples to run)")
        runner = open_model(model, kind.MODEL_KIND, options)

        def on_progress(done: int, total: int) -> None:
            report(PREPARE + RUN * done / max(total, 1), f"{done} of {total} samples")

        report(PREPARE, f"running {len(missing)} samples")
        outputs = kind.run(runner, task, [s for s, _ in missing], prepared.shared, on_progress)
        fresh = {key: output for (_, key), output in zip(missing, outputs)}
        if cache:
            cache.put_many(fresh)
        stored = {**stored, **fresh}
    report(PREPARE + RUN, "scoring")
    entries = [records.entry(s, stored[k]) for s, k in zip(prepared.samples, keys)]
    scores = records.finite(metric_registry.compute_all(task, entries))
    record = {
        "format": records.FORMAT,
        "model": {"repo": model.repo_id, "commit": model.commit, "key": model.key, "kind": model_kind,
                  "parameters": parameter_count(model.path)},
        "task": {"name": task.name, "version": task.version, "output_type": task.output_type,
                 "config": task_to_dict(task)},
        "dataset": split.describe(),
        "fewshot_dataset": fewshot.describe() if fewshot else None,
        "harness": records.harness(),
        "run": {**options.describe(), "seed": task.fewshot.seed if fewshot else None},
        "hardware": records.hardware(options.device),
        "metrics": scores,
        "samples": entries,
        "shared": prepared.shared,
        "fingerprint": records.fingerprint(entries, prepared.shared),
        "cached_samples": len(keys) - len(missing),
        "started_at": started_at.isoformat(),
        "duration_s": round(time.perf_counter() - clock, 3),
    }
    report(1.0, "done")
    return record
