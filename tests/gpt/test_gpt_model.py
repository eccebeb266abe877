"""The model computes what `transformers`' Llama computes, from the same exported files."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from aicommons.gpt.export import load_model, save_model
from aicommons.gpt.model import GPT

transformers = pytest.importorskip("transformers")

# float32 on CPU; both sides run the same kernels in the same order, so the logits agree to
# the last bit in practice. The bound leaves room for kernels that differ in summation order.
LOGITS_ATOL = 1e-5


@pytest.mark.parametrize("tied", [True, False])
def test_export_loads_in_transformers_with_identical_logits(tmp_path, toy_config, prepared, tied):
    config = dataclasses.replace(toy_config, tie_word_embeddings=tied)
    torch.manual_seed(0)
    model = GPT(config).eval()
    save_model(model, prepared.tokenizer, tmp_path)

    hf = transformers.AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert type(hf).__name__ == "LlamaForCausalLM"
    ids = torch.randint(0, config.vocab_size, (3, 48))
    with torch.no_grad():
        ours, theirs = model(ids), hf(ids).logits
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() <= LOGITS_ATOL

    # And back: our loader reads what we wrote (and what transformers would save).
    again, _ = load_model(tmp_path)
    with torch.no_grad():
        assert torch.equal(again(ids), ours)


def test_transformers_greedy_generation_matches_ours(tmp_path, toy_config, prepared):
    from aicommons.gpt.sampler import SamplingConfig, generate_tokens

    torch.manual_seed(1)
    model = GPT(toy_config).eval()
    save_model(model, prepared.tokenizer, tmp_path)
    hf = transformers.AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    prompt = [0, 5, 17, 42]
    ours = list(generate_tokens(model, prompt, SamplingConfig(max_new_tokens=20, temperature=0)))
    out = hf.generate(torch.tensor([prompt]), max_new_tokens=20, do_sample=False, eos_token_id=None, min_new_tokens=20)
    assert out[0, len(prompt) :].tolist() == ours


def test_loss_matches_plain_cross_entropy(toy_config):
    """The sliced output-layer loss and its gradients equal the textbook computation."""
    torch.manual_seed(2)
    model = GPT(toy_config)
    x = torch.randint(0, toy_config.vocab_size, (3, 40))
    y = torch.randint(0, toy_config.vocab_size, (3, 40))
    loss = model(x, y)
    loss.backward()
    fused = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    logits = model(x)
    reference = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
    reference.backward()
    assert torch.allclose(loss, reference, atol=1e-6)
    for name, param in model.named_parameters():
        assert torch.allclose(fused[name], param.grad, atol=1e-6), name
    per_token = model.token_losses(x, y)
    assert torch.allclose(per_token.mean(), reference, atol=1e-6)


def test_context_overflow_is_refused(toy_config):
    model = GPT(toy_config)
    with pytest.raises(ValueError, match="exceeds the model's context"):
        model(torch.zeros(1, toy_config.max_position_embeddings + 1, dtype=torch.long))


def test_unsupported_configs_are_refused(tmp_path, toy_config, prepared):
    import json

    from aicommons.gpt.export import read_config

    model = GPT(toy_config)
    save_model(model, prepared.tokenizer, tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    config["rope_parameters"] = {"rope_type": "yarn", "factor": 4.0, "rope_theta": 10000.0}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="rope"):
        read_config(tmp_path)
