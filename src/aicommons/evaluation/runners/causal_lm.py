"""Causal language models through ``transformers`` (compact GPT exports included): log-likelihoods,
rolling log-likelihoods and greedy generation.

Weights load from safetensors only (``use_safetensors=True``) and never with remote code. Requests
are scored the way lm-evaluation-harness scores them, so numbers agree with it:

* a context's trailing whitespace moves to the continuation; the continuation's tokens are the
  tokens of ``context + continuation`` after the context's own tokens;
* text is encoded without special tokens, and a BOS token is put in front of a context when the
  tokenizer itself would add one; an empty context is the prefix token (BOS, else EOS);
* documents are scored in disjoint windows of the model's context length, the first conditioned on
  the prefix token (lm-eval's rolling windows with ``context_len=1``).

What differs is the work done. Requests that share a context (the choices of one question) run the
context once: its keys and values are cached and repeated for every continuation. Only the positions
that are scored go through the output layer, requests are sorted by length so batches carry little
padding, and log-probabilities come from a log-softmax over those positions alone.
"""

from __future__ import annotations

import copy
import inspect
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

from aicommons.errors import InvalidInput
from aicommons.evaluation.runners.options import RunOptions

DEFAULT_MAX_LENGTH = 2048
TOKENIZER_UNSET = 1_000_000_000_000_000_019_884_624_838_656  # what transformers uses for "no limit"
SEQUENCE_LENGTH_FIELDS = ("n_positions", "max_position_embeddings", "n_ctx")


@dataclass(frozen=True)
class _Request:
    context: tuple[int, ...]
    continuation: tuple[int, ...]


class CausalLM:
    kind = "causal_lm"

    def __init__(self, folder: Path, options: RunOptions):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.options = options
        self.tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
        self.model = AutoModelForCausalLM.from_pretrained(folder, use_safetensors=True, trust_remote_code=False,
                                                          dtype=options.torch_dtype).to(options.device).eval()
        self.device = torch.device(options.device)
        self.max_length = _max_length(self.model.config, self.tokenizer)
        tok = self.tokenizer
        self.prefix_token = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        if self.prefix_token is None:
            raise InvalidInput("model", "the tokenizer has neither a BOS nor an EOS token to condition documents on")
        self.pad_token = tok.pad_token_id if tok.pad_token_id is not None else self.prefix_token
        probe = tok("a")["input_ids"]
        self.adds_bos = bool(probe) and tok.bos_token_id is not None and probe[0] == tok.bos_token_id
        parameters = inspect.signature(self.model.forward).parameters
        self.cache_argument = next((name for name in ("cache", "past_key_values") if name in parameters), None)
        self.keeps_logits = "logits_to_keep" in parameters

    def _logits(self, keep: int, **inputs) -> torch.Tensor:
        """Logits of the last ``keep`` positions; the output layer runs on those alone where it can."""
        if self.keeps_logits:
            return self.model(**inputs, logits_to_keep=keep)
        out = self.model(**inputs)
        out.logits = out.logits[:, -keep:]
        return out

    # encoding -----------------------------------------------------------------------------------------

    def _encode(self, texts: list[str]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer(texts, add_special_tokens=False)["input_ids"]

    def _pair_requests(self, groups: list[tuple[str, list[str]]]) -> list[list[_Request]]:
        contexts, wholes = [], []
        for context, continuations in groups:
            kept = context.rstrip()
            moved = context[len(kept):]
            contexts.append(kept)
            wholes.extend(kept + moved + continuation for continuation in continuations)
        context_tokens = self._encode(contexts)
        whole_tokens = iter(self._encode(wholes))
        out = []
        for (context, continuations), kept, tokens in zip(groups, contexts, context_tokens):
            bos = [self.tokenizer.bos_token_id] if self.adds_bos else []
            requests = []
            for _ in continuations:
                whole = next(whole_tokens)
                if kept:
                    requests.append(self._fit(bos + tokens, whole[len(tokens):]))
                else:
                    requests.append(self._fit([self.prefix_token], whole))
            out.append(requests)
        return out

    def _fit(self, context: list[int], continuation: list[int]) -> _Request:
        """Cut the context from the left so that context + continuation fits one window."""
        if not continuation:
            raise InvalidInput("dataset", "a continuation encodes to no tokens")
        if len(continuation) > self.max_length:
            raise InvalidInput("dataset", f"a continuation of {len(continuation)} tokens exceeds the model's "
                                          f"context of {self.max_length}")
        room = self.max_length + 1 - len(continuation)
        return _Request(tuple(context[-room:]), tuple(continuation))

    # public scoring ----------------------------------------------------------------------------------

    def loglikelihood_groups(self, groups: list[tuple[str, list[str]]], progress) -> list[list[tuple[float, bool]]]:
        """For each (context, continuations): the log-likelihood of each continuation and whether greedy
        decoding would have produced it."""
        requests = self._pair_requests(groups)
        flat = [request for group in requests for request in group]
        owners = [g for g, group in enumerate(requests) for _ in group]
        scores = self._score(flat, _SampleProgress(owners, len(requests), progress))
        out, position = [], 0
        for group in requests:
            out.append(scores[position:position + len(group)])
            position += len(group)
        return out

    def rolling_loglikelihood(self, texts: list[str], progress) -> list[tuple[float, int]]:
        """Each document's total log-likelihood and its token count."""
        documents = self._encode(texts)
        windows, owners = [], []
        for index, tokens in enumerate(documents):
            for window in self._rolling_windows(tokens):
                windows.append(window)
                owners.append(index)
        scores = self._score(windows, _SampleProgress(owners, len(documents), progress))
        totals = [0.0] * len(documents)
        for owner, (logprob, _) in zip(owners, scores):
            totals[owner] += logprob
        return [(total, len(tokens)) for total, tokens in zip(totals, documents)]

    def _rolling_windows(self, tokens: list[int]) -> list[_Request]:
        """Disjoint windows covering every token once; each predicts up to ``max_length`` tokens and is
        conditioned on as much preceding text as fits (the first window on the prefix token)."""
        windows, start = [], 0
        while start < len(tokens):
            end = min(start + self.max_length, len(tokens))
            context = [self.prefix_token] if start == 0 else tokens[max(0, end - self.max_length - 1):start]
            windows.append(_Request(tuple(context), tuple(tokens[start:end])))
            start = end
        return windows

    def generate_until(self, prompts: list[str], until: list[str], max_gen_toks: int, progress) -> list[str]:
        from transformers import GenerationConfig

        config = GenerationConfig(max_new_tokens=max_gen_toks, do_sample=False, pad_token_id=self.pad_token,
                                  eos_token_id=self.tokenizer.eos_token_id, stop_strings=until)
        encoded = self._encode(prompts)
        bos = [self.tokenizer.bos_token_id] if self.adds_bos else []
        room = max(1, self.max_length - max_gen_toks)
        order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))
        out: list[str] = [""] * len(prompts)
        for batch in _chunks(order, self.options.batch_size):
            rows = [(bos + encoded[i])[-room:] or [self.prefix_token] for i in batch]
            ids, mask = _left_padded(rows, self.pad_token, self.device)
            with torch.inference_mode():
                generated = self.model.generate(input_ids=ids, attention_mask=mask, generation_config=config,
                                                tokenizer=self.tokenizer)
            for i, row in zip(batch, generated[:, ids.shape[1]:].tolist()):
                out[i] = _cut_at_stop(self.tokenizer.decode(row, skip_special_tokens=True), until)
            progress(len(batch), len(prompts))
        return out

    # the engine --------------------------------------------------------------------------------------

    def _score(self, requests: list[_Request], progress: "_SampleProgress") -> list[tuple[float, bool]]:
        by_context: dict[tuple[int, ...], list[int]] = {}
        for index, request in enumerate(requests):
            by_context.setdefault(request.context, []).append(index)
        shared, single = [], []
        for context, members in by_context.items():
            if len(members) > 1 and len(context) > 1 and self.cache_argument:
                shared.append(members)
            else:
                single.extend(members)
        results: list[tuple[float, bool] | None] = [None] * len(requests)
        self._score_whole(requests, single, results, progress)
        self._score_shared(requests, shared, results, progress)
        return results

    def _score_whole(self, requests, indices: list[int], results, progress) -> None:
        """Requests run whole (context + continuation), longest first, right-padded."""
        order = sorted(indices, key=lambda i: -(len(requests[i].context) + len(requests[i].continuation)))
        for batch in _chunks(order, self.options.batch_size):
            rows = [list(requests[i].context + requests[i].continuation)[:-1] for i in batch]
            width = max(map(len, rows))
            ids = torch.full((len(rows), width), self.pad_token, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, row in enumerate(rows):
                ids[r, :len(row)] = torch.tensor(row)
                mask[r, :len(row)] = 1
            first_scored = min(len(requests[i].context) - 1 for i in batch)
            with torch.inference_mode():
                logits = self._logits(width - first_scored, input_ids=ids.to(self.device),
                                      attention_mask=mask.to(self.device)).logits
                for r, i in enumerate(batch):
                    start = len(requests[i].context) - 1 - first_scored
                    results[i] = _logprob(logits[r, start:start + len(requests[i].continuation)],
                                          requests[i].continuation)
            progress.done(batch)

    def _score_shared(self, requests, groups: list[list[int]], results, progress) -> None:
        """Groups of requests with one context: the context runs once, its cache serves every continuation.
        A batch holds ``batch_size`` contexts; their continuations then run longest first, ``batch_size``
        rows at a time, each sub-batch on its own copy of the cached rows it needs."""
        groups = sorted(groups, key=lambda g: -len(requests[g[0]].context))
        for batch in _chunks(groups, self.options.batch_size):
            contexts = [list(requests[g[0]].context) for g in batch]
            ids, context_mask = _left_padded(contexts, self.pad_token, self.device)
            positions = (context_mask.cumsum(-1) - 1).clamp(min=0)
            rows = sorted(((g, i) for g, group in enumerate(batch) for i in group),
                          key=lambda row: -len(requests[row[1]].continuation))
            subs = list(_chunks(rows, self.options.batch_size))
            with torch.inference_mode():
                out = self._logits(1, input_ids=ids, attention_mask=context_mask, position_ids=positions,
                                   use_cache=True)
                last = out.logits[:, -1]
                cache = getattr(out, self.cache_argument)
                for number, sub in enumerate(subs):
                    own = cache if number == len(subs) - 1 else copy.deepcopy(cache)
                    logits = self._continue(own, context_mask, [len(c) for c in contexts], requests, sub)
                    for r, (g, i) in enumerate(sub):
                        continuation = requests[i].continuation
                        scored = last[g:g + 1] if logits is None else torch.cat(
                            [last[g:g + 1], logits[r, :len(continuation) - 1]])
                        results[i] = _logprob(scored, continuation)
                    progress.done([i for _, i in sub])

    def _continue(self, cache, context_mask, context_lengths: list[int], requests, rows) -> torch.Tensor | None:
        """Logits after each continuation token but the last, on the cached contexts (None: all are one token)."""
        feeds = [list(requests[i].continuation[:-1]) for _, i in rows]
        width = max(map(len, feeds))
        if width == 0:
            return None
        owner = torch.tensor([g for g, _ in rows], device=self.device)
        cache.batch_select_indices(owner)
        feed_ids = torch.full((len(rows), width), self.pad_token, dtype=torch.long)
        feed_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, feed in enumerate(feeds):
            feed_ids[r, :len(feed)] = torch.tensor(feed, dtype=torch.long)
            feed_mask[r, :len(feed)] = 1
        lengths = torch.tensor([context_lengths[g] for g, _ in rows])
        # padding past a row's end may run beyond the position table; it is masked and never scored
        positions = (lengths[:, None] + torch.arange(width)[None, :]).clamp(max=self.max_length - 1)
        return self.model(input_ids=feed_ids.to(self.device),
                          attention_mask=torch.cat([context_mask[owner], feed_mask.to(self.device)], 1),
                          position_ids=positions.to(self.device), use_cache=True,
                          **{self.cache_argument: cache}).logits


def _logprob(logits: torch.Tensor, targets: tuple[int, ...]) -> tuple[float, bool]:
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    target = torch.tensor(targets, device=logits.device)
    total = logprobs.gather(-1, target[:, None]).sum()
    greedy = bool((logprobs.argmax(-1) == target).all())
    return float(total), greedy


def _left_padded(rows: list[list[int]], pad: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        if row:
            ids[r, width - len(row):] = torch.tensor(row, dtype=torch.long)
            mask[r, width - len(row):] = 1
    return ids.to(device), mask.to(device)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _cut_at_stop(text: str, until: list[str]) -> str:
    cut = min((text.find(stop) for stop in until if stop in text), default=len(text))
    return text[:cut]


def _max_length(config, tokenizer) -> int:
    for source in (getattr(config, "text_config", None), config):
        for field in SEQUENCE_LENGTH_FIELDS:
            value = getattr(source, field, None) if source is not None else None
            if isinstance(value, int) and value > 0:
                return value
    limit = getattr(tokenizer, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < TOKENIZER_UNSET else DEFAULT_MAX_LENGTH


class _SampleProgress:
    """Reports finished samples, a sample owning several requests (a question's choices, a document's
    windows)."""

    def __init__(self, owners: list[int], samples: int, report):
        self.owners = owners
        self.remaining = Counter(owners)
        self.finished = 0
        self.total = samples
        self.report = report

    def done(self, request_indices: list[int]) -> None:
        for index in request_indices:
            owner = self.owners[index]
            self.remaining[owner] -= 1
            if self.remaining[owner] == 0:
                self.finished += 1
        self.report(self.finished, self.total)
