"""Task files: every shipped task is valid, every output type has one, and bad tasks are refused
with a message naming the problem."""

import pytest

from aicommons.errors import InvalidInput, NotFound
from aicommons.evaluation.spec import builtin_tasks, get_task, parse_task

OUTPUT_TYPES = {"multiple_choice", "loglikelihood_rolling", "generate_until", "tabular_classification",
                "tabular_regression", "embedding_similarity", "embedding_retrieval"}

VALID = """
name: tiny-mc
version: 2
dataset: {repo: someone/data, revision: 0123456789abcdef0123456789abcdef01234567}
output_type: multiple_choice
prompt: "Q: {{ question }}"
choices: options
label: answer
metrics: [acc, acc_norm]
"""


def test_every_output_type_has_a_builtin_task():
    tasks = builtin_tasks()
    assert {task.output_type for task in tasks.values()} == OUTPUT_TYPES
    assert all(task.dataset.builtin and task.dataset.revision == "v1" for task in tasks.values())


def test_a_task_file_parses_into_a_typed_task():
    task = parse_task(VALID, "tiny.yaml")
    assert (task.key, task.primary_metric, task.fewshot.count, task.target_delimiter) == ("tiny-mc@2", "acc", 0, " ")


@pytest.mark.parametrize("change, message", [
    (("metrics: [acc, acc_norm]", "metrics: [acc, bleu]"), "unknown metric 'bleu' for multiple_choice"),
    (("label: answer\n", ""), "label: Field required"),
    (("version: 2", "version: 0"), "version: Input should be greater than or equal to 1"),
    (("name: tiny-mc", "name: Tiny MC"), "name: Value error, use 1 to 64 lower-case"),
    (("prompt:", "promt:"), "promt: Extra inputs are not permitted"),
    (("output_type: multiple_choice", "output_type: essay"), "does not match any of the expected tags"),
    (("revision: 0123456789abcdef0123456789abcdef01234567", "revision: main, builtin: x"), "pinned to a tag"),
    (("metrics: [acc, acc_norm]", "metrics: [acc]\ntolerance: {acc_norm: 0.1}"), "tolerance given for 'acc_norm'"),
])
def test_bad_tasks_are_refused_with_the_reason(change, message):
    old, new = change
    with pytest.raises(InvalidInput) as caught:
        parse_task(VALID.replace(old, new), "tiny.yaml")
    assert "tiny.yaml" in caught.value.message and message in caught.value.message


def test_retrieval_depth_must_cover_recall():
    text = """
name: r
version: 1
dataset: {repo: a/b, revision: v1}
output_type: embedding_retrieval
query: q
document: d
depth: 3
metrics: [recall@5]
"""
    with pytest.raises(InvalidInput, match="recall@5 needs depth >= 5"):
        parse_task(text)


def test_yaml_errors_and_unknown_tasks():
    with pytest.raises(InvalidInput, match="invalid YAML"):
        parse_task("name: [unclosed", "broken.yaml")
    with pytest.raises(NotFound, match="No evaluation task named 'nope'"):
        get_task("nope")
