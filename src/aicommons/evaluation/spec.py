"""Evaluation tasks as data: one YAML file per task, validated into a typed ``Task``.

A task names a dataset repo on the hub at a pinned revision, the split to score, how a row becomes
model input (Jinja templates and column names), the output type and the metrics. Its ``version`` is
part of every record and cache key, so changing what a task measures means raising the version.
Field names follow lm-evaluation-harness where one exists (``target_delimiter``, ``until``,
``max_gen_toks``, ``num_fewshot`` as ``fewshot.count``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from aicommons.errors import InvalidInput, NotFound
from aicommons.evaluation import metrics as metric_registry

TASK_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetRef(_Strict):
    repo: str = Field(pattern=r"^[A-Za-z0-9][\w.-]*/[\w.-]+$", description="dataset repo id on the hub")
    revision: str = Field(min_length=1, description="tag, branch or commit id the task is pinned to")
    builtin: str | None = Field(None, description="built-in generator that creates the repo when it is missing")

    @model_validator(mode="after")
    def _pinned(self):
        if self.builtin and self.revision == "main":
            raise ValueError("built-in data must be pinned to a tag, not to the moving main branch")
        return self

    def file_for(self, split: str) -> str:
        # the Hugging Face `datasets` convention for JSON Lines splits, so the same repo loads there unchanged
        return f"data/{split}.jsonl"


class FewShot(_Strict):
    count: int = Field(0, ge=0, le=64)
    split: str = "train"
    seed: int = 1234
    delimiter: str = "\n\n"


class _TaskBase(_Strict):
    name: str
    version: int = Field(ge=1)
    description: str = ""
    dataset: DatasetRef
    split: str = "test"
    metrics: list[str] = Field(min_length=1)
    # claims compare within max(abs, rel * |measured|); see claims.py
    tolerance: dict[str, float] = Field(default_factory=dict)
    # other names a model card's model-index may use for this task's dataset
    aliases: list[str] = Field(default_factory=list)
    limit: int | None = Field(None, ge=1, description="score only the first N rows of the split")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not TASK_NAME.match(value):
            raise ValueError("use 1 to 64 lower-case letters, digits, '_', '-' or '.'")
        return value

    @model_validator(mode="after")
    def _known_metrics(self):
        allowed = metric_registry.names_for(self.output_type)
        for name in self.metrics:
            if not metric_registry.accepts(self.output_type, name):
                raise ValueError(f"unknown metric {name!r} for {self.output_type} (allowed: {', '.join(allowed)})")
        for name in self.tolerance:
            if name not in self.metrics:
                raise ValueError(f"tolerance given for {name!r}, which is not one of this task's metrics")
        return self

    @property
    def primary_metric(self) -> str:
        return self.metrics[0]

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


class _PromptedTask(_TaskBase):
    prompt: str = Field(description="Jinja template turning a row into the model's context")
    fewshot: FewShot = FewShot()
    target_delimiter: str = " "


class MultipleChoiceTask(_PromptedTask):
    output_type: Literal["multiple_choice"]
    choices: str = Field(description="column holding the list of answer strings")
    label: str = Field(description="column holding the index of the right answer")


class RollingTask(_TaskBase):
    output_type: Literal["loglikelihood_rolling"]
    text: str = Field(description="column holding the document scored as a whole")


class GenerationTask(_PromptedTask):
    output_type: Literal["generate_until"]
    target: str = Field(description="Jinja template giving the expected answer")
    until: list[str] = Field(default_factory=lambda: ["\n"], min_length=1)
    max_gen_toks: int = Field(64, ge=1, le=4096)
    normalize: list[Literal["strip", "lower", "collapse_whitespace", "no_punctuation"]] = Field(
        default_factory=lambda: ["strip", "collapse_whitespace"])


class _TabularTask(_TaskBase):
    features: list[str] = Field(min_length=1, description="feature columns, in the order the model expects")
    label: str


class TabularClassificationTask(_TabularTask):
    output_type: Literal["tabular_classification"]


class TabularRegressionTask(_TabularTask):
    output_type: Literal["tabular_regression"]


class SimilarityTask(_TaskBase):
    output_type: Literal["embedding_similarity"]
    sentence1: str
    sentence2: str
    score: str = Field(description="column holding the gold similarity")


class RetrievalTask(_TaskBase):
    output_type: Literal["embedding_retrieval"]
    query: str
    document: str = Field(description="column holding the relevant document; all distinct ones form the corpus")
    depth: int = Field(10, ge=1, le=1000, description="how many ranked documents each sample keeps")

    @model_validator(mode="after")
    def _deep_enough(self):
        deepest = max((int(m.split("@")[1]) for m in self.metrics if m.startswith("recall@")), default=1)
        if deepest > self.depth:
            raise ValueError(f"recall@{deepest} needs depth >= {deepest}, the task keeps {self.depth}")
        return self


Task = Annotated[Union[MultipleChoiceTask, RollingTask, GenerationTask, TabularClassificationTask,
                       TabularRegressionTask, SimilarityTask, RetrievalTask], Field(discriminator="output_type")]
_TASK = TypeAdapter(Task)


def parse_task(text: str, source: str = "task") -> Task:
    """A task from YAML text; InvalidInput names the file and every field that is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput("task", f"{source}: invalid YAML: {error}") from None
    return task_from_dict(data, source)


def task_from_dict(data: object, source: str = "task") -> Task:
    if not isinstance(data, dict):
        raise InvalidInput("task", f"{source}: a task must be a mapping of fields")
    try:
        return _TASK.validate_python(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'task'}: {e['msg']}" for e in error.errors())
        raise InvalidInput("task", f"{source}: {problems}") from None


def task_to_dict(task: Task) -> dict:
    return task.model_dump(mode="json")


@lru_cache(maxsize=1)
def builtin_tasks() -> dict[str, Task]:
    """Every task shipped in ``evaluation/tasks/*.yaml``, by name."""
    out: dict[str, Task] = {}
    for entry in sorted(resources.files("aicommons.evaluation.tasks").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            task = parse_task(entry.read_text(encoding="utf-8"), entry.name)
            if f"{task.name}.yaml" != entry.name:
                raise InvalidInput("task", f"{entry.name}: the task is named {task.name!r}; name the file after it")
            out[task.name] = task
    return out


def get_task(name: str) -> Task:
    task = builtin_tasks().get(name)
    if task is None:
        raise NotFound(f"No evaluation task named {name!r} (known: {', '.join(builtin_tasks())})")
    return task
