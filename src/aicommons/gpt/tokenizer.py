"""Byte-level BPE tokenizer, trained with `tokenizers` and saved as `tokenizer.json`.

Byte-level means text is first turned into UTF-8 bytes, each byte shown as one visible
character, and BPE merges are learned over those characters. Every string is encodable
(no unknown token) and decoding gives back the exact text. One special token,
`<|endoftext|>`, separates documents; it is also the model's BOS and EOS.
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path

from tokenizers import Tokenizer as _HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, processors, trainers

EOT = "<|endoftext|>"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"


def byte_alphabet() -> dict[int, str]:
    """Byte -> character used by byte-level BPE (the GPT-2 convention, which `tokenizers` implements).

    Printable Latin-1 bytes stand for themselves; the 68 others (controls, space, soft hyphen...)
    are moved to code points 256 and up, so every byte is a visible, non-whitespace character.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    alphabet = {b: chr(b) for b in printable}
    shifted = (b for b in range(256) if b not in alphabet)
    alphabet.update({b: chr(256 + i) for i, b in enumerate(shifted)})
    return alphabet


class Tokenizer:
    """A trained byte-level BPE tokenizer; a thin wrapper over `tokenizers.Tokenizer`."""

    def __init__(self, backend: _HFTokenizer):
        self.backend = backend
        # Text that happens to contain "<|endoftext|>" is text: it must round-trip, not end a document.
        self.backend.encode_special_tokens = True
        eot = backend.token_to_id(EOT)
        if eot is None:
            raise ValueError(f"tokenizer has no {EOT} token")
        self.eot_id = eot

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int) -> "Tokenizer":
        if vocab_size < 257:
            raise ValueError(f"vocab_size must exceed the 256 byte tokens plus {EOT}, got {vocab_size}")
        backend = _HFTokenizer(models.BPE())
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        backend.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=[EOT],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            min_frequency=2,
            show_progress=False,
        )
        backend.train_from_iterator(texts, trainer)
        # `transformers` users get <|endoftext|> in front of every text, as in training.
        backend.post_processor = processors.TemplateProcessing(
            single=f"{EOT} $A", pair=f"{EOT} $A {EOT} $B", special_tokens=[(EOT, backend.token_to_id(EOT))]
        )
        return cls(backend)

    @classmethod
    def load(cls, directory: str | Path) -> "Tokenizer":
        path = Path(directory) / TOKENIZER_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no {TOKENIZER_FILE} in {directory}")
        return cls(_HFTokenizer.from_file(str(path)))

    def save(self, directory: str | Path, model_max_length: int) -> None:
        """Write `tokenizer.json` and the `tokenizer_config.json` that `AutoTokenizer` reads."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / TOKENIZER_FILE).write_text(self.to_json(), encoding="utf-8")
        config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": EOT,
            "eos_token": EOT,
            "pad_token": EOT,
            "model_max_length": model_max_length,
            "clean_up_tokenization_spaces": False,
            "add_prefix_space": False,
            "split_special_tokens": True,  # as in training: "<|endoftext|>" inside text is text
        }
        (directory / TOKENIZER_CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    def to_json(self) -> str:
        return self.backend.to_str(pretty=True)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.backend.to_str().encode()).hexdigest()

    @property
    def vocab_size(self) -> int:
        return self.backend.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, without the leading <|endoftext|>."""
        return self.backend.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.backend.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids: Iterable[int]) -> str:
        return self.backend.decode(list(ids), skip_special_tokens=True)

    @cached_property
    def token_bytes(self) -> list[bytes]:
        """The UTF-8 bytes each token stands for; empty for <|endoftext|>.

        Used to count bytes for bits-per-byte and to decode a token stream incrementally.
        """
        char_to_byte = {c: b for b, c in byte_alphabet().items()}
        special = {t.content for t in self.backend.get_added_tokens_decoder().values()}
        table = []
        for token_id in range(self.vocab_size):
            token = self.backend.id_to_token(token_id)
            table.append(b"" if token in special else bytes(char_to_byte[c] for c in token))
        return table

    def stream_decode(self, ids: Iterable[int]) -> Iterator[str]:
        """Decode ids one at a time, yielding text as soon as it forms complete characters."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        table = self.token_bytes
        for token_id in ids:
            text = decoder.decode(table[token_id])
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail
