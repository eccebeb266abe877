"""Text generation with limits: new tokens, prompt length, a deadline, stop strings and cancellation (a
client that went away), emitting text as tokens arrive. Shared by the native and the OpenAI-compatible API."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from aicommons.errors import InvalidInput
from aicommons.inference.loaders import LoadedModel

MAX_STOPS = 4
MAX_STOP_CHARS = 100


@dataclass(frozen=True)
class GenerationParams:
    max_new_tokens: int
    temperature: float | None = None  # None: the model's generation_config decides; 0: greedy
    top_p: float | None = None
    top_k: int | None = None
    repetition_penalty: float | None = None
    stop: tuple[str, ...] = ()


@dataclass
class Generation:
    text: str
    prompt_tokens: int
    generated_tokens: int
    finish_reason: str  # stop | length | time | cancelled
    seconds: float
    decode_seconds: float  # from the first new token to the last

    @property
    def tokens_per_second(self) -> float | None:
        if self.generated_tokens < 2 or self.decode_seconds <= 0:
            return None
        return (self.generated_tokens - 1) / self.decode_seconds

    def details(self) -> dict:
        rate = self.tokens_per_second
        return {"finish_reason": self.finish_reason, "prompt_tokens": self.prompt_tokens,
                "generated_tokens": self.generated_tokens, "seconds": round(self.seconds, 4),
                "tokens_per_second": round(rate, 2) if rate else None}


def generation_params(raw: dict, *, max_new_tokens_limit: int, default_new_tokens: int) -> GenerationParams:
    """Validate user parameters (HF and OpenAI names alike), naming the one that is wrong."""
    new_tokens = _number(raw, "max_new_tokens", int, default_new_tokens, low=1)
    if new_tokens > max_new_tokens_limit:
        raise InvalidInput("max_new_tokens", f"max_new_tokens is {new_tokens}; this hub allows at most "
                           f"{max_new_tokens_limit}")
    stop = raw.get("stop") or ()
    if isinstance(stop, str):
        stop = (stop,)
    if not isinstance(stop, (list, tuple)) or not all(isinstance(s, str) and s for s in stop):
        raise InvalidInput("stop", "stop must be a string or a list of non-empty strings")
    if len(stop) > MAX_STOPS or any(len(s) > MAX_STOP_CHARS for s in stop):
        raise InvalidInput("stop", f"at most {MAX_STOPS} stop strings of {MAX_STOP_CHARS} characters each")
    return GenerationParams(
        max_new_tokens=new_tokens,
        temperature=_number(raw, "temperature", float, None, low=0.0, high=100.0),
        top_p=_number(raw, "top_p", float, None, low=0.0, high=1.0, open_low=True),
        top_k=_number(raw, "top_k", int, None, low=0),
        repetition_penalty=_number(raw, "repetition_penalty", float, None, low=0.0, open_low=True),
        stop=tuple(stop),
    )


def _number(raw: dict, name: str, kind: type, default, *, low=None, high=None, open_low=False):
    value = raw.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise InvalidInput(name, f"{name} must be a{'n integer' if kind is int else ' number'}")
    if low is not None and (value <= low if open_low else value < low):
        raise InvalidInput(name, f"{name} must be {'above' if open_low else 'at least'} {low}")
    if high is not None and value > high:
        raise InvalidInput(name, f"{name} must be at most {high}")
    return kind(value)


def generate(loaded: LoadedModel, prompt: str, params: GenerationParams, *, deadline: float,
             cancel: threading.Event, on_text: Callable[[str], None] | None = None,
             add_special_tokens: bool = True) -> Generation:
    import torch
    from transformers import StoppingCriteriaList

    started = time.monotonic()
    tokenizer, model = loaded.tokenizer, loaded.model
    with loaded.lock:
        ids = tokenizer(prompt, add_special_tokens=add_special_tokens, return_tensors="pt")["input_ids"]
    if ids.shape[1] == 0:
        if tokenizer.bos_token_id is None:
            raise InvalidInput("inputs", "the prompt is empty and this model has no start-of-text token")
        ids = torch.tensor([[tokenizer.bos_token_id]])
    prompt_tokens = ids.shape[1]
    new_tokens = params.max_new_tokens
    if loaded.max_positions:
        if prompt_tokens >= loaded.max_positions:
            raise InvalidInput("inputs", f"the prompt has {prompt_tokens} tokens; this model reads at most "
                               f"{loaded.max_positions}")
        new_tokens = min(new_tokens, loaded.max_positions - prompt_tokens)
    stream = _TextStream(loaded, params.stop, on_text)
    limits = _Limits(deadline, cancel, stream)
    config = _generation_config(model, params, new_tokens, tokenizer)
    with torch.inference_mode():
        output = model.generate(ids, attention_mask=torch.ones_like(ids), generation_config=config,
                                streamer=stream, stopping_criteria=StoppingCriteriaList([limits]))
    generated = output[0, prompt_tokens:].tolist()
    if stream.stopped:
        reason = "stop"
    elif limits.timed_out:
        reason = "time"
    elif cancel.is_set():
        reason = "cancelled"
    elif generated and generated[-1] in _eos_ids(config):
        reason = "stop"
    else:
        reason = "length"
    finished = time.monotonic()
    decode = finished - stream.first_token_at if stream.first_token_at else 0.0
    return Generation(stream.text, prompt_tokens, len(generated), reason, finished - started, decode)


def _generation_config(model, params: GenerationParams, new_tokens: int, tokenizer):
    config = copy.deepcopy(model.generation_config)
    config.max_new_tokens = new_tokens
    config.max_length = None
    if params.temperature is not None:
        config.do_sample = params.temperature > 0
        config.temperature = params.temperature if params.temperature > 0 else 1.0
    for name in ("top_p", "top_k", "repetition_penalty"):
        if getattr(params, name) is not None:
            setattr(config, name, getattr(params, name))
    if config.pad_token_id is None:
        config.pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return config


def _eos_ids(config) -> set[int]:
    eos = config.eos_token_id
    return set(eos) if isinstance(eos, list) else ({eos} if eos is not None else set())


class _TextStream:
    """Receives token ids from ``generate`` and emits the new text, holding back an incomplete UTF-8 sequence
    and anything that may be the start of a stop string; a complete stop string ends the generation.

    Decoding is incremental: only the tokens since the last complete piece are decoded, beside the few before
    them for context (a tokenizer may merge a leading space or bytes across tokens), so each token costs the
    same however long the text grows."""

    def __init__(self, loaded: LoadedModel, stops: tuple[str, ...], on_text: Callable[[str], None] | None):
        self.loaded = loaded
        self.stops = stops
        self.on_text = on_text
        self.ids: list[int] = []
        self.prefix_offset = 0  # ids[prefix_offset:read_offset] were decoded already, as context
        self.read_offset = 0
        self.prompt_seen = False
        self.text = ""
        self.sent = 0
        self.stopped = False
        self.first_token_at: float | None = None

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate hands over the prompt first
            self.prompt_seen = True
            return
        if self.stopped:
            return
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        self.ids.extend(value.reshape(-1).tolist())
        if self._decode_new(final=False):
            self._emit(final=False)

    def end(self) -> None:
        if not self.stopped:
            self._decode_new(final=True)
            self._emit(final=True)

    def _decode_new(self, final: bool) -> bool:
        tokenizer = self.loaded.tokenizer
        with self.loaded.lock:
            context = tokenizer.decode(self.ids[self.prefix_offset:self.read_offset], skip_special_tokens=True,
                                       clean_up_tokenization_spaces=False)
            text = tokenizer.decode(self.ids[self.prefix_offset:], skip_special_tokens=True,
                                    clean_up_tokenization_spaces=False)
        if len(text) <= len(context) or (text.endswith("\ufffd") and not final):
            return False
        self.text += text[len(context):]
        self.prefix_offset, self.read_offset = self.read_offset, len(self.ids)
        return True

    def _emit(self, final: bool) -> None:
        cut = min((i for i in (self.text.find(stop) for stop in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.text, final, self.stopped = self.text[:cut], True, True
        ready = len(self.text) if final else len(self.text) - self._held_back(self.text)
        if ready > self.sent and self.on_text is not None:
            self.on_text(self.text[self.sent:ready])
        self.sent = max(self.sent, ready)

    def _held_back(self, text: str) -> int:
        """Length of the longest end of ``text`` that begins some stop string."""
        longest = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(text)), longest, -1):
                if text.endswith(stop[:size]):
                    longest = size
                    break
        return longest


class _Limits:
    """Stops generation at the deadline, when the client is gone, or when a stop string appeared."""

    def __init__(self, deadline: float, cancel: threading.Event, stream: _TextStream):
        self.deadline = deadline
        self.cancel = cancel
        self.stream = stream
        self.timed_out = False

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if time.monotonic() > self.deadline:
            self.timed_out = True
        done = self.timed_out or self.cancel.is_set() or self.stream.stopped
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool)
