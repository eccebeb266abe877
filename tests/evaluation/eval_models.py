"""Test models and repos made here, offline (shared by the evaluation tests)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    root = Path(sysconfig.get_paths()["stdlib"])
    texts = [(root / name).read_text(encoding="utf-8") for name in ("abc.py", "bisect.py", "heapq.py", "keyword.py")]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"],
                                                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|endoftext|>", eos_token="<|endoftext|>")


def make_causal_lm(folder: Path, architecture: str = "gpt2", positions: int = 256, seed: int = 0) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = _tokenizer()
    if architecture == "gpt2":
        model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=positions, n_embd=32, n_layer=2,
                                           n_head=2, bos_token_id=0, eos_token_id=0))
    else:
        model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                             num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                                             max_position_embeddings=positions, bos_token_id=0, eos_token_id=0,
                                             tie_word_embeddings=True))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def fitted(name: str, estimator):
    from aicommons.evaluation.builtin import tabular

    features, splits = tabular.rows(name)
    train = splits["train"]
    return estimator.fit([[row[f] for f in features] for row in train], [row["target"] for row in train])


def push_folder(hub, owner, repo_id: str, folder: Path, card: str | None = None, private: bool = False):
    """Create a model repo holding the folder's files (and a README card)."""
    repo = create_repo(hub, owner.principal(hub), RepoType.MODEL, repo_id, private=private)
    operations = [AddFile(p.relative_to(folder).as_posix(), p.read_bytes()) for p in sorted(folder.rglob("*"))
                  if p.is_file()]
    if card is not None:
        operations.append(AddFile("README.md", card.encode()))
    result = commit(hub, repo, operations, author=Signature(owner.name, f"{owner.name}@example.org"),
                    message="Upload model")
    return repo, result.oid


def small(name: str, limit: int):
    """A built-in task cut to its first rows, so tests stay quick."""
    from aicommons.evaluation.spec import get_task

    return get_task(name).model_copy(update={"limit": limit})
