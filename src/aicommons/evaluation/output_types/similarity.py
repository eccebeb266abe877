"""Embedding similarity: cosine similarity of two sentences' embeddings, ranked against gold scores."""

from __future__ import annotations

import math

import numpy as np

from aicommons.errors import InvalidInput
from aicommons.evaluation.output_types import Prepared, Progress, Sample
from aicommons.evaluation.prompts import column, sample_id

MODEL_KIND = "embedder"


def build(task, rows: list[dict], fewshot_pool: list[dict]) -> Prepared:
    samples = []
    for index, row in enumerate(rows):
        sid = sample_id(row, index)
        where = f"{task.name} sample {sid}"
        first, second = column(row, task.sentence1, where), column(row, task.sentence2, where)
        score = column(row, task.score, where)
        if not (isinstance(first, str) and isinstance(second, str)):
            raise InvalidInput("dataset", f"{where}: {task.sentence1!r} and {task.sentence2!r} must be strings")
        if not (isinstance(score, (int, float)) and math.isfinite(score)):
            raise InvalidInput("dataset", f"{where}: {task.score!r} must be a finite number")
        samples.append(Sample(sid, {"sentence1": first, "sentence2": second}, float(score)))
    return Prepared(samples)


def run(model, task, samples: list[Sample], shared: dict, progress: Progress) -> list[dict]:
    texts = sorted({s.input[key] for s in samples for key in ("sentence1", "sentence2")})
    vectors = dict(zip(texts, model.encode(texts, progress)))
    return [{"similarity": float(np.dot(vectors[s.input["sentence1"]], vectors[s.input["sentence2"]]))}
            for s in samples]
