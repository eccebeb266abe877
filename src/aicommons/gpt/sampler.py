"""Sampling text from the model: KV cache, temperature, top-k, top-p, stop strings, streaming.

With the cache, the prompt is run once and each new token costs one position's work;
without it (`use_cache=False`, kept for checking the cache) every step reruns the whole
sequence. Both draw the same tokens from the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from .model import GPT
from .tokenizer import Tokenizer


@dataclass(frozen=True)
class SamplingConfig:
    max_new_tokens: int = 256
    temperature: float = 0.8  # 0 picks the most likely token every time
    top_k: int | None = 50  # keep only the k most likely tokens
    top_p: float | None = None  # keep the smallest set of tokens whose probability adds up to p
    stop: tuple[str, ...] = ()  # end (and cut) the text at the first of these strings
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 0:
            raise ValueError(f"max_new_tokens must be >= 0, got {self.max_new_tokens}")


def filter_logits(logits: torch.Tensor, top_k: int | None, top_p: float | None) -> torch.Tensor:
    """Set the logits of tokens outside the top-k / top-p set to -inf (last dimension)."""
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1:
        sorted_logits, order = torch.sort(logits, descending=True)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        # Drop a token when the tokens before it already reach top_p; the first always stays.
        drop_sorted = (cumulative - sorted_logits.softmax(-1)) >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def next_token(logits: torch.Tensor, config: SamplingConfig, generator: torch.Generator | None) -> torch.Tensor:
    if config.temperature == 0:
        return logits.argmax(-1, keepdim=True)
    probs = filter_logits(logits.float() / config.temperature, config.top_k, config.top_p).softmax(-1)
    return torch.multinomial(probs, 1, generator=generator)


@torch.inference_mode()
def generate_tokens(
    model: GPT, prompt: list[int], config: SamplingConfig, *, eos_id: int | None = None, use_cache: bool = True
) -> Iterator[int]:
    """Yield new token ids one at a time until `max_new_tokens`, the context end, or `eos_id`."""
    device = model.lm_head.weight.device
    generator = None
    if config.seed is not None:
        generator = torch.Generator(device=device).manual_seed(config.seed)
    context = model.config.max_position_embeddings
    if len(prompt) >= context:
        raise ValueError(f"prompt of {len(prompt)} tokens leaves no room in the model's context of {context}")
    budget = min(config.max_new_tokens, context - len(prompt))
    ids = torch.tensor([prompt], dtype=torch.long, device=device)
    cache = model.new_cache(batch=1, max_len=len(prompt) + budget) if use_cache else None
    feed = ids  # what the model has not seen yet: the prompt, then one token at a time
    # The output layer stored input-major: for one row at a time this layout multiplies about
    # twice as fast as `F.linear`'s output-major one, and the output layer is the largest.
    head = model.lm_head.weight.t().contiguous()
    for _ in range(budget):
        logits = model.hidden_states(feed, cache)[:, -1] @ head
        token = next_token(logits, config, generator)
        value = token.item()
        yield value
        if value == eos_id:
            return
        if use_cache:
            feed = token
        else:
            ids = feed = torch.cat([ids, token], dim=1)


class StopMatcher:
    """Streams text but holds back any tail that could still become a stop string."""

    def __init__(self, stops: tuple[str, ...]):
        self.stops = [s for s in stops if s]
        self.pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        """Text safe to emit now, and whether a stop string was reached."""
        self.pending += text
        hits = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if hits:
            out, self.pending = self.pending[: min(hits)], ""
            return out, True
        keep = max((len(s) - 1 for s in self.stops), default=0)
        # Hold back the longest tail that is a prefix of some stop string.
        hold = next(
            (
                n
                for n in range(min(keep, len(self.pending)), 0, -1)
                if any(s.startswith(self.pending[-n:]) for s in self.stops)
            ),
            0,
        )
        out, self.pending = self.pending[: len(self.pending) - hold], self.pending[len(self.pending) - hold :]
        return out, False

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


def stream(
    model: GPT, tokenizer: Tokenizer, prompt: str, config: SamplingConfig = SamplingConfig(), *, use_cache: bool = True
) -> Iterator[str]:
    """Generate a continuation of `prompt`, yielding text pieces as soon as they are final."""
    prompt_ids = [tokenizer.eot_id, *tokenizer.encode(prompt)]  # documents start with <|endoftext|>
    tokens = generate_tokens(model, prompt_ids, config, eos_id=tokenizer.eot_id, use_cache=use_cache)
    matcher = StopMatcher(config.stop)
    for piece in tokenizer.stream_decode(t for t in tokens if t != tokenizer.eot_id):
        out, stopped = matcher.feed(piece)
        if out:
            yield out
        if stopped:
            return
    tail = matcher.flush()
    if tail:
        yield tail


def generate(model: GPT, tokenizer: Tokenizer, prompt: str, config: SamplingConfig = SamplingConfig()) -> str:
    return "".join(stream(model, tokenizer, prompt, config))
