"""Small causal language models made on this machine, for tests, benchmarks and demos: random
weights in a ``transformers`` GPT-2 or Llama (the compact GPT's export architecture) layout, saved
as safetensors, with a byte-level BPE tokenizer trained on a few standard library files."""

from __future__ import annotations

import sysconfig
from pathlib import Path

TOKENIZER_FILES = ("abc.py", "bisect.py", "heapq.py", "keyword.py", "textwrap.py", "string.py", "shlex.py",
                   "fnmatch.py", "colorsys.py", "queue.py")
EOT = "<|endoftext|>"


def train_tokenizer(vocab_size: int, files: int = 4):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    root = Path(sysconfig.get_paths()["stdlib"])
    texts = [(root / name).read_text(encoding="utf-8") for name in TOKENIZER_FILES[:files]]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=EOT, eos_token=EOT)


def make_causal_lm(folder: Path, architecture: str = "gpt2", *, positions: int = 256, width: int = 32,
                   layers: int = 2, heads: int = 2, vocab_size: int = 400, tokenizer_files: int = 4,
                   seed: int = 0) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = train_tokenizer(vocab_size, tokenizer_files)
    if architecture == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=positions, n_embd=width,
                                           n_layer=layers, n_head=heads, bos_token_id=0, eos_token_id=0))
    elif architecture == "llama":
        model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=width,
                                             intermediate_size=2 * width, num_hidden_layers=layers,
                                             num_attention_heads=heads, num_key_value_heads=max(1, heads // 2),
                                             max_position_embeddings=positions, bos_token_id=0, eos_token_id=0,
                                             tie_word_embeddings=True))
    else:
        raise ValueError(f"unknown architecture {architecture!r}; use gpt2 or llama")
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
