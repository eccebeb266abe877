"""Tabular classification and regression: a row's feature columns in, a prediction out."""

from __future__ import annotations

import math

from aicommons.errors import InvalidInput
from aicommons.evaluation.output_types import Prepared, Progress, Sample
from aicommons.evaluation.prompts import column, sample_id

MODEL_KIND = "tabular"


def build(task, rows: list[dict], fewshot_pool: list[dict]) -> Prepared:
    regression = task.output_type == "tabular_regression"
    samples = []
    for index, row in enumerate(rows):
        sid = sample_id(row, index)
        where = f"{task.name} sample {sid}"
        features = [column(row, name, where) for name in task.features]
        target = column(row, task.label, where)
        if regression and not (isinstance(target, (int, float)) and math.isfinite(target)):
            raise InvalidInput("dataset", f"{where}: {task.label!r} must be a finite number for regression")
        samples.append(Sample(sid, {"features": features}, float(target) if regression else target))
    return Prepared(samples)


def run(model, task, samples: list[Sample], shared: dict, progress: Progress) -> list[dict]:
    predictions = model.predict([s.input["features"] for s in samples], task.features)
    progress(len(samples), len(samples))
    if task.output_type == "tabular_regression":
        return [{"prediction": float(p)} for p in predictions]
    return [{"prediction": p.item() if hasattr(p, "item") else p} for p in predictions]
