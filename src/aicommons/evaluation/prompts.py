"""Turning dataset rows into prompts: sandboxed Jinja templates and seeded few-shot examples.

Few-shot examples are drawn per sample with ``random.Random(f"{seed}:{sample id}")``, so a sample's
prompt does not depend on which other samples run or in what order (which keeps per-sample caching
sound). They are laid out as lm-evaluation-harness does: each example is its prompt, the target
delimiter and its answer; examples and the question are joined by the few-shot delimiter.
"""

from __future__ import annotations

import random

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from aicommons.errors import InvalidInput

_ENV = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


def render(template: str, row: dict, where: str) -> str:
    try:
        return _ENV.from_string(template).render(**row)
    except TemplateError as error:
        raise InvalidInput("prompt", f"{where}: template {template!r} failed: {error}") from None


def column(row: dict, name: str, where: str):
    if name not in row:
        raise InvalidInput("dataset", f"{where}: row has no column {name!r} (columns: {', '.join(row)})")
    return row[name]


def sample_id(row: dict, index: int) -> str:
    return str(row.get("id", index))


def fewshot_rows(task, sid: str, pool: list[dict]) -> list[dict]:
    count = task.fewshot.count
    if count == 0:
        return []
    candidates = [row for i, row in enumerate(pool) if sample_id(row, i) != sid]
    if len(candidates) < count:
        raise InvalidInput("fewshot", f"task {task.name} asks for {count} examples; the "
                                      f"{task.fewshot.split!r} split has {len(candidates)}")
    return random.Random(f"{task.fewshot.seed}:{sid}").sample(candidates, count)


def with_examples(task, question: str, examples: list[tuple[str, str]]) -> str:
    """Prefix the question with (prompt, answer) examples."""
    if not examples:
        return question
    shots = [prompt + task.target_delimiter + answer for prompt, answer in examples]
    return task.fewshot.delimiter.join(shots) + task.fewshot.delimiter + question
