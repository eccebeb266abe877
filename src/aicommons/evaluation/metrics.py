"""Metrics: pure functions from a record's per-sample entries to one number.

Each entry is ``{"id", "input", "target", "output"}`` as stored in the record, so anyone holding a
record can recompute its scores (``verify-eval`` does). Definitions follow lm-evaluation-harness
where it has one: ``acc_norm`` divides a choice's log-likelihood by the choice's length in
characters; perplexities are weighted by the document's words (whitespace split, as lm-eval counts
them), UTF-8 bytes or tokens; ``bits_per_byte`` is ``-Σll / Σbytes / ln 2``.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Metric:
    name: str
    output_type: str
    compute: Callable[[list[dict], object], float]
    higher_is_better: bool
    # accuracy-like scores in [0, 1]: a card may state them in percent
    fraction: bool = False


_REGISTRY: dict[tuple[str, str], Metric] = {}
_RECALL = re.compile(r"^recall@([1-9][0-9]{0,3})$")


def _metric(output_type: str, name: str, higher_is_better: bool = True, fraction: bool = False):
    def register(fn):
        _REGISTRY[(output_type, name)] = Metric(name, output_type, fn, higher_is_better, fraction)
        return fn

    return register


def names_for(output_type: str) -> list[str]:
    names = [name for kind, name in _REGISTRY if kind == output_type]
    return names + (["recall@K"] if output_type == "embedding_retrieval" else [])


def accepts(output_type: str, name: str) -> bool:
    return (output_type, name) in _REGISTRY or (output_type == "embedding_retrieval" and bool(_RECALL.match(name)))


def get(output_type: str, name: str) -> Metric:
    match = _RECALL.match(name)
    if output_type == "embedding_retrieval" and match:
        k = int(match.group(1))
        return Metric(name, output_type, lambda entries, task: _recall_at(entries, k), True, True)
    return _REGISTRY[(output_type, name)]


def compute_all(task, entries: list[dict]) -> dict[str, float]:
    if not entries:
        raise ValueError(f"task {task.name} produced no samples to score")
    return {name: float(get(task.output_type, name).compute(entries, task)) for name in task.metrics}


# multiple choice -------------------------------------------------------------------------------------

def _argmax(values: list[float]) -> int:
    return int(np.argmax(np.asarray(values, dtype=np.float64)))


@_metric("multiple_choice", "acc", fraction=True)
def _acc(entries, task):
    return np.mean([_argmax(e["output"]["loglikelihoods"]) == e["target"] for e in entries])


@_metric("multiple_choice", "acc_norm", fraction=True)
def _acc_norm(entries, task):
    def normalised(entry):
        return [ll / len(choice) for ll, choice in zip(entry["output"]["loglikelihoods"], entry["input"]["choices"])]

    return np.mean([_argmax(normalised(e)) == e["target"] for e in entries])


# rolling log-likelihood -------------------------------------------------------------------------------

def count_words(text: str) -> int:
    return len(re.split(r"\s+", text))


def count_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _total_ll(entries) -> float:
    return math.fsum(e["output"]["loglikelihood"] for e in entries)


@_metric("loglikelihood_rolling", "word_perplexity", higher_is_better=False)
def _word_ppl(entries, task):
    return math.exp(-_total_ll(entries) / sum(count_words(e["input"]["text"]) for e in entries))


@_metric("loglikelihood_rolling", "byte_perplexity", higher_is_better=False)
def _byte_ppl(entries, task):
    return math.exp(-_total_ll(entries) / sum(count_bytes(e["input"]["text"]) for e in entries))


@_metric("loglikelihood_rolling", "bits_per_byte", higher_is_better=False)
def _bpb(entries, task):
    return -_total_ll(entries) / sum(count_bytes(e["input"]["text"]) for e in entries) / math.log(2)


@_metric("loglikelihood_rolling", "token_perplexity", higher_is_better=False)
def _token_ppl(entries, task):
    return math.exp(-_total_ll(entries) / sum(e["output"]["tokens"] for e in entries))


# generation -------------------------------------------------------------------------------------------

_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalise(text: str, steps: list[str]) -> str:
    for step in steps:
        if step == "strip":
            text = text.strip()
        elif step == "lower":
            text = text.lower()
        elif step == "collapse_whitespace":
            text = " ".join(text.split())
        elif step == "no_punctuation":
            text = text.translate(_PUNCTUATION)
    return text


@_metric("generate_until", "exact_match", fraction=True)
def _exact_match(entries, task):
    return np.mean([normalise(e["output"]["text"], task.normalize) == normalise(e["target"], task.normalize)
                    for e in entries])


# tabular ----------------------------------------------------------------------------------------------

def _pairs(entries):
    return [e["target"] for e in entries], [e["output"]["prediction"] for e in entries]


@_metric("tabular_classification", "accuracy", fraction=True)
def _accuracy(entries, task):
    gold, pred = _pairs(entries)
    return np.mean([str(g) == str(p) for g, p in zip(gold, pred)])


@_metric("tabular_classification", "f1_macro", fraction=True)
def _f1_macro(entries, task):
    from sklearn.metrics import f1_score

    gold, pred = _pairs(entries)
    return f1_score([str(g) for g in gold], [str(p) for p in pred], average="macro", zero_division=0)


@_metric("tabular_regression", "rmse", higher_is_better=False)
def _rmse(entries, task):
    gold, pred = (np.asarray(v, dtype=np.float64) for v in _pairs(entries))
    return math.sqrt(float(np.mean((gold - pred) ** 2)))


@_metric("tabular_regression", "mae", higher_is_better=False)
def _mae(entries, task):
    gold, pred = (np.asarray(v, dtype=np.float64) for v in _pairs(entries))
    return float(np.mean(np.abs(gold - pred)))


@_metric("tabular_regression", "r2")
def _r2(entries, task):
    gold, pred = (np.asarray(v, dtype=np.float64) for v in _pairs(entries))
    return 1.0 - float(np.sum((gold - pred) ** 2)) / float(np.sum((gold - gold.mean()) ** 2))


# embeddings -------------------------------------------------------------------------------------------

@_metric("embedding_similarity", "spearman")
def _spearman(entries, task):
    from scipy.stats import spearmanr

    return spearmanr([e["target"] for e in entries], [e["output"]["similarity"] for e in entries]).statistic


@_metric("embedding_similarity", "pearson")
def _pearson(entries, task):
    from scipy.stats import pearsonr

    return pearsonr([e["target"] for e in entries], [e["output"]["similarity"] for e in entries]).statistic


def _recall_at(entries, k: int) -> float:
    return np.mean([e["target"] in e["output"]["ranking"][:k] for e in entries])


@_metric("embedding_retrieval", "mrr", fraction=True)
def _mrr(entries, task):
    def reciprocal_rank(entry):
        ranking = entry["output"]["ranking"]
        return 1.0 / (ranking.index(entry["target"]) + 1) if entry["target"] in ranking else 0.0

    return np.mean([reciprocal_rank(e) for e in entries])
