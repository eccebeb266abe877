"""Claims from a card's model-index beside measured scores: matches, differs with the gap."""

import pytest

from aicommons.evaluation.claims import claims_from_card, compare
from aicommons.evaluation.spec import get_task

CARD = {
    "model-index": [{
        "name": "tiny",
        "results": [
            {"task": {"type": "text-generation"},
             "dataset": {"type": "stdlib-next-line", "name": "Next line"},
             "metrics": [{"type": "acc", "value": 41.0}, {"type": "acc_norm", "value": 0.30},
                         {"type": "f1", "value": 0.9}],
             "source": {"name": "our paper", "url": "https://example.org"}},
            {"task": {"type": "text-generation"}, "dataset": {"type": "other-benchmark", "name": "x"},
             "metrics": [{"type": "acc", "value": 0.99}]},
            {"dataset": "not a mapping", "metrics": [{"type": "acc", "value": 1}]},
            {"dataset": {"type": "Held-Out Text"}, "metrics": [{"type": "bits_per_byte", "value": "2.02"},
                                                                {"type": "byte_perplexity", "value": "n/a"}]},
        ],
    }],
}


def test_claims_are_read_from_the_model_index_skipping_malformed_entries():
    claims = claims_from_card(CARD)
    assert [(c.dataset, c.metric, c.value) for c in claims] == [
        ("stdlib-next-line", "acc", 41.0), ("stdlib-next-line", "acc_norm", 0.30), ("stdlib-next-line", "f1", 0.9),
        ("other-benchmark", "acc", 0.99), ("Held-Out Text", "bits_per_byte", 2.02)]
    assert claims_from_card({"model-index": "nonsense"}) == [] and claims_from_card({}) == []


def test_a_claim_matches_or_differs_with_the_gap():
    checks = compare(get_task("stdlib-next-line"), {"acc": 0.405, "acc_norm": 0.35}, claims_from_card(CARD))
    by_metric = {c.metric: c for c in checks}
    assert set(by_metric) == {"acc", "acc_norm"}  # f1 is not this task's metric; other-benchmark is another task
    acc = by_metric["acc"]
    assert (acc.claimed, acc.compared, acc.verdict, acc.source) == (41.0, 0.41, "matches", "our paper")
    assert acc.gap == pytest.approx(0.005) and acc.tolerance == 0.01
    norm = by_metric["acc_norm"]
    assert norm.verdict == "differs" and norm.gap == pytest.approx(-0.05)


def test_aliases_and_relative_tolerance():
    task = get_task("stdlib-text").model_copy(update={"aliases": ["held-out text"], "tolerance": {}})
    [check] = compare(task, {"bits_per_byte": 2.0}, claims_from_card(CARD))
    assert check.verdict == "differs" and check.tolerance == pytest.approx(0.02) and check.gap == pytest.approx(0.02)
    [check] = compare(task, {"bits_per_byte": 2.01}, claims_from_card(CARD))
    assert check.verdict == "matches"
