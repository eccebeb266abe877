"""Sampling with the KV cache draws exactly what sampling without it draws."""

from __future__ import annotations

import pytest
import torch

from aicommons.gpt.model import GPT
from aicommons.gpt.sampler import SamplingConfig, StopMatcher, filter_logits, generate_tokens, stream


@pytest.fixture
def model(toy_config):
    torch.manual_seed(3)
    return GPT(toy_config).eval()


@pytest.mark.parametrize(
    "config",
    [
        SamplingConfig(max_new_tokens=30, temperature=0),
        SamplingConfig(max_new_tokens=30, temperature=1.0, top_k=None, seed=7),
        SamplingConfig(max_new_tokens=30, temperature=0.7, top_k=20, top_p=0.9, seed=11),
    ],
)
def test_kv_cache_matches_recomputation(model, config):
    prompt = [0, 3, 9, 27, 81]
    cached = list(generate_tokens(model, prompt, config, use_cache=True))
    recomputed = list(generate_tokens(model, prompt, config, use_cache=False))
    assert len(cached) == 30
    assert cached == recomputed


def test_cached_logits_match_full_forward(model):
    ids = torch.randint(0, model.config.vocab_size, (2, 40))
    with torch.no_grad():
        full = model(ids)
        cache = model.new_cache(batch=2)
        prefill = model(ids[:, :25], cache=cache)
        chunk = model(ids[:, 25:31], cache=cache)  # several new tokens at once, after a prefix
        steps = [model(ids[:, t : t + 1], cache=cache) for t in range(31, 40)]
    stitched = torch.cat([prefill, chunk, *steps], dim=1)
    assert (stitched - full).abs().max().item() < 1e-5


def test_generation_stops_at_the_end_of_the_context(model):
    prompt = list(range(1, model.config.max_position_embeddings - 2))  # leaves room for 3
    out = list(generate_tokens(model, prompt, SamplingConfig(max_new_tokens=50, temperature=0)))
    assert len(out) == 3


def test_top_k_and_top_p_keep_the_right_tokens():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isinf(filter_logits(logits, 2, None)).tolist() == [[False, False, True, True]]
    # 0.5 + 0.3 reaches 0.8, so the 0.15 and 0.05 tokens drop; the first token always stays.
    assert torch.isinf(filter_logits(logits, None, 0.8)).tolist() == [[False, False, True, True]]
    assert torch.isinf(filter_logits(logits, None, 0.81)).tolist() == [[False, False, False, True]]
    assert torch.isinf(filter_logits(logits, None, 0.1)).tolist() == [[False, True, True, True]]


def test_stop_strings_cut_the_stream_even_when_split_across_pieces():
    matcher = StopMatcher(("\n\n", "END"))
    emitted = []
    for piece in ["abc E", "N", "x\n", "yz\n", "\nmore"]:
        out, stopped = matcher.feed(piece)
        emitted.append(out)
        if stopped:
            break
    assert "".join(emitted) == "abc ENx\nyz"
    assert emitted[0] == "abc "  # "E" held back: it could start "END"


def test_stream_pieces_join_to_the_full_text(model, prepared):
    config = SamplingConfig(max_new_tokens=25, temperature=0.9, seed=5)
    pieces = list(stream(model, prepared.tokenizer, "def total(", config))
    prompt_ids = [prepared.tokenizer.eot_id, *prepared.tokenizer.encode("def total(")]
    ids = [
        t
        for t in generate_tokens(model, prompt_ids, config, eos_id=prepared.tokenizer.eot_id)
        if t != prepared.tokenizer.eot_id
    ]
    assert "".join(pieces) == prepared.tokenizer.decode(ids)


def test_stream_honours_stop_strings(model, prepared):
    config = SamplingConfig(max_new_tokens=40, temperature=0)
    full = "".join(stream(model, prepared.tokenizer, "def", config))
    assert len(full) > 4
    stop = full[2:4]
    cut = "".join(
        stream(model, prepared.tokenizer, "def", SamplingConfig(max_new_tokens=40, temperature=0, stop=(stop,)))
    )
    assert cut == full[: full.index(stop)]


@pytest.mark.parametrize("bad", [dict(temperature=-1), dict(top_k=0), dict(top_p=0), dict(top_p=1.5)])
def test_bad_sampling_settings_are_refused(bad):
    with pytest.raises(ValueError):
        SamplingConfig(**bad)
