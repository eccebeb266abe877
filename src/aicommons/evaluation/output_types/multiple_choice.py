"""Multiple choice by log-likelihood: each choice is scored as a continuation of the same context."""

from __future__ import annotations

from aicommons.errors import InvalidInput
from aicommons.evaluation.output_types import Prepared, Progress, Sample
from aicommons.evaluation.prompts import column, fewshot_rows, render, sample_id, with_examples

MODEL_KIND = "causal_lm"


def _question(task, row: dict, where: str) -> tuple[str, list[str], int]:
    choices = column(row, task.choices, where)
    label = column(row, task.label, where)
    if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) and c for c in choices):
        raise InvalidInput("dataset", f"{where}: {task.choices!r} must be a list of at least two non-empty strings")
    if not isinstance(label, int) or not 0 <= label < len(choices):
        raise InvalidInput("dataset", f"{where}: {task.label!r} must be an index into the {len(choices)} choices")
    return render(task.prompt, row, where), choices, label


def build(task, rows: list[dict], fewshot_pool: list[dict]) -> Prepared:
    samples = []
    for index, row in enumerate(rows):
        sid = sample_id(row, index)
        where = f"{task.name} sample {sid}"
        context, choices, label = _question(task, row, where)
        examples = []
        for example in fewshot_rows(task, sid, fewshot_pool):
            prompt, example_choices, example_label = _question(task, example, f"{where} few-shot")
            examples.append((prompt, example_choices[example_label]))
        samples.append(Sample(sid, {"context": with_examples(task, context, examples), "choices": choices,
                                    "delimiter": task.target_delimiter}, label))
    return Prepared(samples)


def run(model, task, samples: list[Sample], shared: dict, progress: Progress) -> list[dict]:
    groups = [(s.input["context"], [s.input["delimiter"] + c for c in s.input["choices"]]) for s in samples]
    scores = model.loglikelihood_groups(groups, progress)
    return [{"loglikelihoods": [ll for ll, _ in group], "greedy": [greedy for _, greedy in group]}
            for group in scores]
