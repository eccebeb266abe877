"""Shared fixtures: a small generated corpus, its tokenizer and shards, and a toy model shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from aicommons.gpt.config import ModelConfig
from aicommons.gpt.data import prepare_data
from aicommons.gpt.presets import TrainConfig
from aicommons.gpt.sources import resolve_source

from .gpt_corpus import make_corpus


@pytest.fixture(autouse=True)
def _one_thread():
    """Toy tensors gain nothing from threads, and on a busy machine waiting threads cost dearly."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
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
