"""Shared fixtures: a small generated corpus, its tokenizer and shards, and a toy model shape.

The corpus is made up here (Python-like functions with random names and numbers), so the
tests need no download and copy no text from anywhere.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from aicommons.gpt.config import ModelConfig
from aicommons.gpt.data import prepare_data
from aicommons.gpt.presets import TrainConfig
from aicommons.gpt.sources import resolve_source

WORDS = "alpha beta gamma delta count total value index items result left right first last size name".split()


def make_corpus(folder: Path, files: int = 40, seed: int = 0) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        functions = []
        for _ in range(rng.randint(4, 9)):
            a, b, c = rng.sample(WORDS, 3)
            functions.append(
                f"def {a}_{b}({a}, {b}):\n"
                f'    """Return the {c} of {a} and {b}."""\n'
                f"    {c} = {a} * {rng.randint(2, 99)} + {b}\n"
                f"    if {c} > {rng.randint(100, 999)}:\n"
                f"        return {c} - {a}\n"
                f"    return {c}\n"
            )
        (folder / f"module_{n:03d}.py").write_text("\n\n".join(functions), encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _two_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(min(2, previous))
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def prepared(corpus_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return prepare_data([resolve_source(str(corpus_dir))], vocab_size=384, val_fraction=0.1, cache_dir=cache)


@pytest.fixture
def toy_config() -> ModelConfig:
    return ModelConfig(
        vocab_size=384,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )


@pytest.fixture
def toy_train() -> TrainConfig:
    return TrainConfig(
        seq_len=32,
        micro_batch=4,
        batch_tokens=256,  # two micro-batches per step in one process
        max_steps=8,
        lr=1e-2,
        warmup_steps=2,
        eval_every=4,
        eval_tokens=1024,
        checkpoint_every=100,
        precision="fp32",
    )
