"""Rolling log-likelihood: a whole document's log-likelihood, for perplexity and bits per byte."""

from __future__ import annotations

from aicommons.errors import InvalidInput
from aicommons.evaluation.output_types import Prepared, Progress, Sample
from aicommons.evaluation.prompts import column, sample_id

MODEL_KIND = "causal_lm"


def build(task, rows: list[dict], fewshot_pool: list[dict]) -> Prepared:
    samples = []
    for index, row in enumerate(rows):
        sid = sample_id(row, index)
        text = column(row, task.text, f"{task.name} sample {sid}")
        if not isinstance(text, str) or not text:
            raise InvalidInput("dataset", f"{task.name} sample {sid}: {task.text!r} must be a non-empty string")
        samples.append(Sample(sid, {"text": text}, None))
    return Prepared(samples)


def run(model, task, samples: list[Sample], shared: dict, progress: Progress) -> list[dict]:
    results = model.rolling_loglikelihood([s.input["text"] for s in samples], progress)
    return [{"loglikelihood": ll, "tokens": tokens} for ll, tokens in results]
