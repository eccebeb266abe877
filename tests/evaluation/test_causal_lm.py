"""The causal LM runner against a plain reference: one whole forward pass per request, scored
position by position. Shared-context batching, length sorting and rolling windows must not change
the numbers."""

import math

import pytest
import torch

from aicommons.errors import InvalidInput
from aicommons.evaluation.runners import local_folder, open_model
from aicommons.evaluation.runners.options import RunOptions


def reference(runner, context: list[int], continuation: list[int]) -> tuple[float, bool]:
    ids = torch.tensor([context + continuation])
    with torch.inference_mode():
        logprobs = torch.log_softmax(runner.model(input_ids=ids[:, :-1]).logits[0].float(), -1)
    scored = logprobs[len(context) - 1:]
    target = torch.tensor(continuation)
    return float(scored.gather(-1, target[:, None]).sum()), bool((scored.argmax(-1) == target).all())


def encode(runner, text):
    return runner.tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def runner(request, tiny_gpt2, tiny_llama):
    folder = tiny_gpt2 if request.param == "gpt2" else tiny_llama
    return open_model(local_folder(folder), "causal_lm", RunOptions(batch_size=3))


GROUPS = [
    ("def add(a, b):\n    ", ["return a + b", "return a - b", "pass", "yield a"]),
    ("import os\n", ["import sys", "x"]),
    ("class Point:\n    def __init__(self, x, y):\n        self.x = x\n", ["        self.y = y", "    pass"]),
    ("", ["print('hello')"]),  # an empty context is the prefix token
    ("x = 1", [" + 2"]),
]


def test_grouped_scores_equal_one_pass_per_request(runner):
    progress = []
    scores = runner.loglikelihood_groups(GROUPS, lambda done, total: progress.append((done, total)))
    for (context, continuations), group in zip(GROUPS, scores):
        for continuation, (logprob, greedy) in zip(continuations, group):
            kept = context.rstrip()
            moved = context[len(kept):]
            if kept:
                context_ids = encode(runner, kept)
                continuation_ids = encode(runner, kept + moved + continuation)[len(context_ids):]
            else:
                context_ids, continuation_ids = [runner.prefix_token], encode(runner, continuation)
            expected, expected_greedy = reference(runner, context_ids, continuation_ids)
            assert logprob == pytest.approx(expected, rel=1e-5, abs=1e-4)
            assert greedy == expected_greedy
    assert progress[-1] == (len(GROUPS), len(GROUPS))


def test_rolling_windows_cover_every_token_once(runner):
    texts = ["def f(x):\n    return x * 2\n" * 12, "a = 1\n", "while True:\n    break\n" * 30]
    results = runner.rolling_loglikelihood(texts, lambda done, total: None)
    for text, (total, count) in zip(texts, results):
        tokens = encode(runner, text)
        assert count == len(tokens)
        expected, start = 0.0, 0
        while start < len(tokens):  # disjoint windows, each with as much history as fits
            end = min(start + runner.max_length, len(tokens))
            context = [runner.prefix_token] if start == 0 else tokens[max(0, end - runner.max_length - 1):start]
            expected += reference(runner, context, tokens[start:end])[0]
            start = end
        assert total == pytest.approx(expected, rel=1e-5)
    if runner.max_length == 64:  # the Llama's short context: the last text needs several windows
        assert len(encode(runner, texts[2])) > 2 * runner.max_length


def test_long_contexts_are_cut_from_the_left(runner):
    context = "value = compute(value)\n" * 200
    [[(logprob, _)]] = runner.loglikelihood_groups([(context, ["done"])], lambda d, t: None)
    tokens = encode(runner, context.rstrip() + "\ndone")
    context_ids = encode(runner, context.rstrip())
    continuation = tokens[len(context_ids):]
    kept = context_ids[-(runner.max_length + 1 - len(continuation)):]
    assert logprob == pytest.approx(reference(runner, kept, continuation)[0], rel=1e-5)
    assert math.isfinite(logprob)


def test_greedy_generation_stops_at_the_stop_string(runner):
    outputs = runner.generate_until(["def f():\n", "x = ", "for i in range(3):\n    "], ["\n"], 12,
                                    lambda done, total: None)
    assert len(outputs) == 3 and all("\n" not in text for text in outputs)
    # greedy decoding is deterministic and independent of batch composition
    alone = runner.generate_until(["x = "], ["\n"], 12, lambda done, total: None)
    assert alone[0] == outputs[1]


def test_pickle_weights_are_never_loaded(tmp_path, tiny_gpt2):
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_gpt2 / name).read_bytes())
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(InvalidInput, match="safetensors only"):
        open_model(local_folder(tmp_path), "causal_lm", RunOptions())
