"""Generation until a stop string (greedy), scored by exact match after normalisation."""

from __future__ import annotations

from aicommons.evaluation.output_types import Prepared, Progress, Sample
from aicommons.evaluation.prompts import fewshot_rows, render, sample_id, with_examples

MODEL_KIND = "causal_lm"


def build(task, rows: list[dict], fewshot_pool: list[dict]) -> Prepared:
    samples = []
    for index, row in enumerate(rows):
        sid = sample_id(row, index)
        where = f"{task.name} sample {sid}"
        examples = [(render(task.prompt, example, f"{where} few-shot"), render(task.target, example, f"{where} few-shot"))
                    for example in fewshot_rows(task, sid, fewshot_pool)]
        context = with_examples(task, render(task.prompt, row, where), examples)
        samples.append(Sample(sid, {"context": context, "until": task.until, "max_gen_toks": task.max_gen_toks},
                              render(task.target, row, where)))
    return Prepared(samples)


def run(model, task, samples: list[Sample], shared: dict, progress: Progress) -> list[dict]:
    texts = model.generate_until([s.input["context"] for s in samples], task.until, task.max_gen_toks, progress)
    return [{"text": text} for text in texts]
