"""Every output type end to end (hub data, runner, scores, record), and the per-sample cache."""

import pytest

from aicommons.errors import InvalidInput
from aicommons.evaluation import runners
from aicommons.evaluation.cache import SampleCache
from aicommons.evaluation.datasets import load_split
from aicommons.evaluation.records import fingerprint
from aicommons.evaluation.runners import local_folder
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.runs import evaluate
from aicommons.evaluation.spec import get_task
from .eval_models import small

OPTIONS = RunOptions(batch_size=8)


def run(hub, task, folder, cache=True):
    return evaluate(hub, task, local_folder(folder), OPTIONS, cache=SampleCache(hub) if cache else None)


def check_record(record, task, samples):
    assert record["task"]["name"] == task.name and record["task"]["version"] == task.version
    assert len(record["samples"]) == samples
    assert set(record["metrics"]) == set(task.metrics)
    assert record["fingerprint"] == fingerprint(record["samples"], record["shared"])
    assert record["dataset"]["revision"] == "v1" and len(record["dataset"]["commit"]) == 40
    assert record["run"] == {"device": "cpu", "dtype": "float32", "batch_size": 8, "seed": None}
    assert record["hardware"]["cpu_count"] >= 1 and record["duration_s"] >= 0


def test_multiple_choice(hub, tiny_gpt2):
    task = small("stdlib-next-line", 12)
    record = run(hub, task, tiny_gpt2)
    check_record(record, task, 12)
    sample = record["samples"][0]
    assert len(sample["output"]["loglikelihoods"]) == 4 and sample["input"]["delimiter"] == ""
    assert 0 <= record["metrics"]["acc"] <= 1 and record["model"]["kind"] == "causal_lm"
    assert record["model"]["parameters"] > 10_000


def test_rolling_loglikelihood(hub, tiny_gpt2):
    task = small("stdlib-text", 4)
    record = run(hub, task, tiny_gpt2)
    check_record(record, task, 4)
    # an untrained model is close to uniform over its 400 tokens
    assert 200 < record["metrics"]["token_perplexity"] < 800
    assert record["metrics"]["bits_per_byte"] == pytest.approx(
        -sum(s["output"]["loglikelihood"] for s in record["samples"])
        / sum(len(s["input"]["text"].encode()) for s in record["samples"]) / 0.6931471805599453)


def test_generation(hub, tiny_gpt2):
    task = small("stdlib-complete-line", 5)
    record = run(hub, task, tiny_gpt2)
    check_record(record, task, 5)
    assert all("\n" not in s["output"]["text"] for s in record["samples"])
    assert record["metrics"]["exact_match"] == 0.0  # random weights do not write stdlib code


def test_fewshot_prompts_are_seeded_per_sample(hub, tiny_gpt2):
    base = small("stdlib-next-line", 3)
    task = base.model_copy(update={"fewshot": base.fewshot.model_copy(update={"count": 2}), "target_delimiter": ""})
    first = run(hub, task, tiny_gpt2, cache=False)
    again = run(hub, task, tiny_gpt2, cache=False)
    assert [s["input"] for s in first["samples"]] == [s["input"] for s in again["samples"]]
    question = load_split(hub, task, "test").rows[0]["context"]
    context = first["samples"][0]["input"]["context"]
    assert context.endswith("\n\n" + question) and context.count("\n\n") >= 2
    assert first["run"]["seed"] == 1234 and first["fewshot_dataset"]["path"] == "data/train.jsonl"


def test_tabular_classification_and_regression(hub, iris_skops, diabetes_skops):
    task = get_task("iris")
    record = run(hub, task, iris_skops)
    check_record(record, task, 30)
    assert record["metrics"]["accuracy"] > 0.85 and record["model"]["parameters"] is None
    assert record["samples"][0]["output"]["prediction"] in {"setosa", "versicolor", "virginica"}
    task = get_task("diabetes")
    record = run(hub, task, diabetes_skops)
    check_record(record, task, 88)
    assert 40 < record["metrics"]["rmse"] < 70 and record["metrics"]["r2"] > 0.3


@pytest.mark.slow
def test_embedding_similarity_and_retrieval(hub, minilm):
    task = get_task("stdlib-docstring-similarity")
    record = run(hub, task, minilm)
    check_record(record, task, len(record["samples"]))
    assert record["metrics"]["spearman"] > 0.4  # a real sentence model relates docstrings to their names
    task = get_task("stdlib-docstring-search")
    record = run(hub, task, minilm)
    check_record(record, task, 150)
    assert len(record["shared"]["corpus"]) == 150
    assert record["metrics"]["recall@5"] > 0.4 and record["metrics"]["recall@1"] <= record["metrics"]["recall@5"]


def test_a_task_refuses_the_wrong_kind_of_model(hub, iris_skops):
    with pytest.raises(InvalidInput, match="needs a causal language model"):
        run(hub, small("stdlib-text", 2), iris_skops)


def test_results_are_cached_per_model_task_version_and_sample(hub, tiny_gpt2, monkeypatch):
    task = small("stdlib-next-line", 6)
    first = run(hub, task, tiny_gpt2)
    assert first["cached_samples"] == 0

    def no_model(*args, **kwargs):
        raise AssertionError("a fully cached run must not load the model")

    monkeypatch.setattr("aicommons.evaluation.runs.open_model", no_model)
    again = run(hub, task, tiny_gpt2)
    assert again["cached_samples"] == 6
    assert again["samples"] == first["samples"] and again["fingerprint"] == first["fingerprint"]
    monkeypatch.setattr("aicommons.evaluation.runs.open_model", runners.open_model)
    grown = run(hub, small("stdlib-next-line", 8), tiny_gpt2)
    assert grown["cached_samples"] == 6  # only the two new samples ran
    bumped = run(hub, task.model_copy(update={"version": task.version + 1}), tiny_gpt2)
    assert bumped["cached_samples"] == 0  # a new task version is a new key
