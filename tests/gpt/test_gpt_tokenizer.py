"""Byte-level BPE: exact round trips, and the same ids through `AutoTokenizer`."""

from __future__ import annotations

import random

import pytest
from tokenizers import pre_tokenizers

from aicommons.gpt.tokenizer import EOT, Tokenizer, byte_alphabet

SAMPLES = [
    "",
    "def f(x):\n    return x  # trailing spaces   \n",
    "tabs\tand\r\nwindows line ends\rand lone CR",
    "naïve café, Ünïcödé — «quotes» and ‘curly’ ones",
    "中文、日本語、한국어 and emoji 🎉👩‍👩‍👧 with skin tone 👍🏽",
    "control \x00\x01\x7f and zero-width \u200b joiner \u200d",
    "     leading and trailing whitespace     ",
    "<|endoftext|> is only text here",
]


def test_alphabet_is_the_byte_level_one():
    alphabet = byte_alphabet()
    assert sorted(alphabet) == list(range(256))
    assert set(alphabet.values()) == set(pre_tokenizers.ByteLevel.alphabet())
    # Spot-check the convention: printable ASCII maps to itself, space to "Ġ", newline to "Ċ".
    assert alphabet[ord("a")] == "a" and alphabet[ord(" ")] == "Ġ" and alphabet[ord("\n")] == "Ċ"


@pytest.mark.parametrize("text", SAMPLES)
def test_round_trip_is_exact(prepared, text):
    tokenizer = prepared.tokenizer
    ids = tokenizer.encode(text)
    assert tokenizer.decode(ids) == text
    assert b"".join(tokenizer.token_bytes[i] for i in ids) == text.encode("utf-8")
    assert "".join(tokenizer.stream_decode(ids)) == text


def test_random_unicode_round_trips(prepared):
    rng = random.Random(0)
    for _ in range(200):
        text = "".join(
            chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
            for _ in range(rng.randint(1, 40))
        )
        assert prepared.tokenizer.decode(prepared.tokenizer.encode(text)) == text


def test_streaming_waits_for_whole_characters(prepared):
    """A multi-byte character split over tokens is emitted once, complete."""
    tokenizer = prepared.tokenizer
    ids = tokenizer.encode("🎉")
    assert len(ids) > 1  # four bytes, not merged in this small vocabulary
    assert list(tokenizer.stream_decode(ids)) == ["🎉"]


def test_autotokenizer_loads_the_same_tokenizer(tmp_path, prepared):
    transformers = pytest.importorskip("transformers")
    prepared.tokenizer.save(tmp_path, model_max_length=64)
    auto = transformers.AutoTokenizer.from_pretrained(tmp_path)
    for text in SAMPLES:
        ids = auto(text).input_ids
        assert ids == [prepared.tokenizer.eot_id, *prepared.tokenizer.encode(text)]  # BOS like training
        assert auto.decode(ids, skip_special_tokens=True) == text
    assert auto.eos_token == EOT and auto.model_max_length == 64


def test_training_rejects_a_vocabulary_smaller_than_bytes():
    with pytest.raises(ValueError, match="vocab_size"):
        Tokenizer.train(["abc"], 200)
