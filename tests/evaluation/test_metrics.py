"""Metric definitions on hand-made samples (the numbers worked out by hand)."""

import math

import pytest

from aicommons.evaluation import metrics
from aicommons.evaluation.spec import get_task


def compute(task_name, entries, **update):
    return metrics.compute_all(get_task(task_name).model_copy(update=update), entries)


def test_acc_uses_raw_and_acc_norm_length_normalised_loglikelihoods():
    # choice 0 is likelier in total, choice 1 per character
    entry = {"input": {"choices": ["a", "bbbbbbbbbb"]}, "target": 1, "output": {"loglikelihoods": [-2.0, -5.0]}}
    assert compute("stdlib-next-line", [entry]) == {"acc": 0.0, "acc_norm": 1.0}


def test_perplexities_are_weighted_by_words_bytes_and_tokens():
    entries = [{"input": {"text": "a bc"}, "output": {"loglikelihood": -4.0, "tokens": 3}},
               {"input": {"text": "é"}, "output": {"loglikelihood": -2.0, "tokens": 1}}]
    scores = compute("stdlib-text", entries)
    assert scores["word_perplexity"] == pytest.approx(math.exp(6 / 3))
    assert scores["byte_perplexity"] == pytest.approx(math.exp(6 / 6))  # "a bc" is 4 bytes, "é" is 2
    assert scores["bits_per_byte"] == pytest.approx(6 / 6 / math.log(2))
    assert scores["token_perplexity"] == pytest.approx(math.exp(6 / 4))


def test_exact_match_after_normalisation():
    entries = [{"target": "    x = 1", "output": {"text": "x  =  1 "}}, {"target": "y", "output": {"text": "Y"}}]
    assert compute("stdlib-complete-line", entries) == {"exact_match": 0.5}
    assert compute("stdlib-complete-line", entries, normalize=["strip", "lower"])["exact_match"] == 0.5
    assert metrics.normalise(" A, b! ", ["strip", "lower", "no_punctuation"]) == "a b"


def test_classification_and_regression():
    labels = [{"target": t, "output": {"prediction": p}} for t, p in [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]]
    scores = compute("iris", labels)
    assert scores["accuracy"] == 0.75
    assert scores["f1_macro"] == pytest.approx((2 / 3 + 0.8) / 2)
    values = [{"target": t, "output": {"prediction": p}} for t, p in [(1.0, 2.0), (3.0, 3.0), (5.0, 2.0)]]
    scores = compute("diabetes", values)
    assert scores["rmse"] == pytest.approx(math.sqrt(10 / 3))
    assert scores["mae"] == pytest.approx(4 / 3)
    assert scores["r2"] == pytest.approx(1 - 10 / 8)


def test_spearman_recall_and_mrr():
    pairs = [{"target": t, "output": {"similarity": s}} for t, s in [(0.0, 0.1), (0.5, 0.3), (1.0, 0.2)]]
    assert compute("stdlib-docstring-similarity", pairs)["spearman"] == pytest.approx(0.5)
    ranked = [{"target": 3, "output": {"ranking": [3, 1]}}, {"target": 2, "output": {"ranking": [0, 1, 2]}},
              {"target": 9, "output": {"ranking": [0, 1, 2]}}]
    scores = metrics.compute_all(get_task("stdlib-docstring-search").model_copy(update={"metrics": ["recall@1",
                                 "recall@3", "mrr"]}), ranked)
    assert scores == pytest.approx({"recall@1": 1 / 3, "recall@3": 2 / 3, "mrr": (1 + 1 / 3) / 3})
