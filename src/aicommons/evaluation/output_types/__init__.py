"""Output types: how a task's rows become samples for a kind of model, and how the model answers them.

Each module offers ``MODEL_KIND`` (which runner it needs), ``build(task, rows, fewshot_pool) ->
Prepared`` and ``run(model, task, samples, shared, progress) -> list[output]``. A sample's ``input``
holds everything the model sees, so the record is self-contained and its fingerprint covers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

Progress = Callable[[int, int], None]  # (samples done, samples in all)


@dataclass(frozen=True)
class Sample:
    id: str
    input: dict
    target: Any


@dataclass(frozen=True)
class Prepared:
    samples: list[Sample]
    shared: dict = field(default_factory=dict)  # inputs common to every sample (a retrieval corpus)


def module_for(output_type: str) -> ModuleType:
    from aicommons.evaluation.output_types import generation, multiple_choice, retrieval, rolling, similarity, tabular

    return {
        "multiple_choice": multiple_choice,
        "loglikelihood_rolling": rolling,
        "generate_until": generation,
        "tabular_classification": tabular,
        "tabular_regression": tabular,
        "embedding_similarity": similarity,
        "embedding_retrieval": retrieval,
    }[output_type]
