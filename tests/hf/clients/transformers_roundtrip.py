"""Run by test_ecosystem with HF_ENDPOINT/HF_TOKEN/HF_HUB_CACHE set: transformers pushes a tiny GPT-2
it builds itself, then loads it back from the hub into a fresh cache and checks it computes the same."""

import json
import os
import sys
import tempfile

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel, \
    PreTrainedTokenizerFast

repo_id = sys.argv[1]
words = "the a hub model small tiny runs on every laptop and shares open weights".split()
vocab = {"<unk>": 0, "<eos>": 1, **{w: i + 2 for i, w in enumerate(words)}}
backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
backend.pre_tokenizer = pre_tokenizers.Whitespace()
tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", eos_token="<eos>")

torch.manual_seed(0)
model = GPT2LMHeadModel(GPT2Config(vocab_size=len(vocab), n_positions=32, n_embd=16, n_layer=2, n_head=2,
                                   eos_token_id=1, bos_token_id=1))
model.eval()
text = "the tiny model runs on every laptop"
ids = tokenizer(text, return_tensors="pt").input_ids
expected = model(ids).logits

model.push_to_hub(repo_id, commit_message="Add a tiny GPT-2")
tokenizer.push_to_hub(repo_id, commit_message="Add its tokenizer")

os.environ["HF_HUB_CACHE"] = tempfile.mkdtemp()  # nothing cached: everything comes from the hub
import huggingface_hub.constants  # noqa: E402

huggingface_hub.constants.HF_HUB_CACHE = os.environ["HF_HUB_CACHE"]
config = AutoConfig.from_pretrained(repo_id, cache_dir=os.environ["HF_HUB_CACHE"])
loaded = AutoModelForCausalLM.from_pretrained(repo_id, cache_dir=os.environ["HF_HUB_CACHE"])
loaded_tokenizer = AutoTokenizer.from_pretrained(repo_id, cache_dir=os.environ["HF_HUB_CACHE"])
loaded.eval()
again = loaded_tokenizer(text, return_tensors="pt").input_ids
print(json.dumps({
    "model_type": config.model_type,
    "same_ids": again.tolist() == ids.tolist(),
    "same_logits": bool(torch.allclose(loaded(again).logits, expected)),
    "generated": loaded_tokenizer.decode(loaded.generate(again, max_new_tokens=3, do_sample=False)[0]),
}))
