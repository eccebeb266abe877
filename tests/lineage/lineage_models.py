"""Tiny real models for lineage tests: a GPT-2 made by transformers, its fine-tunes, LoRA adapters, merges,
quantization configs and GGUF files, pushed through the one commit function."""

from __future__ import annotations

import json
import struct
from functools import cache
from pathlib import Path
import tempfile

import torch
import yaml
from safetensors.torch import load, save

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature


@cache
def _gpt2(seed: int, n_embd: int) -> dict[str, bytes]:
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(n_layer=1, n_head=2, n_embd=n_embd, vocab_size=32, n_positions=16)
    with tempfile.TemporaryDirectory() as folder:
        GPT2LMHeadModel(config).save_pretrained(folder)
        return {name: (Path(folder) / name).read_bytes() for name in ("config.json", "model.safetensors")}


def gpt2_files(seed: int = 0, n_embd: int = 8) -> dict[str, bytes]:
    """config.json and model.safetensors of a freshly initialised one-layer GPT-2."""
    return dict(_gpt2(seed, n_embd))


def finetune(files: dict[str, bytes], changed: tuple[str, ...] = ("transformer.h.0.mlp.c_fc.weight",),
             metadata: dict | None = None) -> dict[str, bytes]:
    """The same model with some tensors trained further (here: nudged)."""
    tensors = load(files["model.safetensors"])
    for name in changed:
        tensors[name] = tensors[name] + 0.01
    return {**files, "model.safetensors": save(tensors, metadata=metadata)}


def merge(a: dict[str, bytes], b: dict[str, bytes]) -> dict[str, bytes]:
    ta, tb = load(a["model.safetensors"]), load(b["model.safetensors"])
    return {**a, "model.safetensors": save({k: (ta[k] + tb[k]) / 2 for k in ta})}


def lora_adapter(base_model: str | None, files: dict[str, bytes], r: int = 2,
                 module: str = "transformer.h.0.attn.c_attn") -> dict[str, bytes]:
    """A PEFT LoRA adapter for one module of the base: lora_A [r, in], lora_B [out, r]."""
    weight = load(files["model.safetensors"])[f"{module}.weight"]  # Conv1D: [in, out]
    fan_in, fan_out = weight.shape
    tensors = {f"base_model.model.{module}.lora_A.weight": torch.randn(r, fan_in),
               f"base_model.model.{module}.lora_B.weight": torch.zeros(fan_out, r)}
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": 2 * r,
              "target_modules": [module.rsplit(".", 1)[-1]], "base_model_name_or_path": base_model}
    return {"adapter_config.json": json.dumps(config).encode(), "adapter_model.safetensors": save(tensors)}


def with_quantization_config(files: dict[str, bytes]) -> dict[str, bytes]:
    """The model in half precision with a bitsandbytes-style quantization_config in config.json."""
    config = json.loads(files["config.json"])
    config["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_8bit": True}
    tensors = {k: v.half() for k, v in load(files["model.safetensors"]).items()}
    return {"config.json": json.dumps(config).encode(), "model.safetensors": save(tensors)}


# GGUF metadata value types
UINT32, STRING, ARRAY = 4, 8, 9


def gguf_file(file_type: int = 15, base_repo_url: str | None = None, tensor_type: int = 12) -> bytes:
    """A small GGUF v3 file: general.* metadata, a vocabulary array, and two tensors."""
    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    kv = [("general.architecture", STRING, string("gpt2")), ("general.name", STRING, string("tiny")),
          ("general.file_type", UINT32, struct.pack("<I", file_type)),
          ("tokenizer.ggml.tokens", ARRAY, struct.pack("<IQ", STRING, 3) + string("a") + string("b") + string("c"))]
    if base_repo_url:
        kv += [("general.base_model.count", UINT32, struct.pack("<I", 1)),
               ("general.base_model.0.repo_url", STRING, string(base_repo_url))]
    tensors = [("token_embd.weight", (8, 32), tensor_type), ("output_norm.weight", (8,), 0)]
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for key, kind, value in kv:
        out += string(key) + struct.pack("<I", kind) + value
    for name, dims, kind in tensors:
        out += string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", kind, 0)
    out += b"\0" * (-len(out) % 32)
    return out + b"\0" * 256


def card(body: str = "A tiny test model.", **fields) -> bytes:
    meta = yaml.safe_dump({k.replace("model_index", "model-index"): v for k, v in fields.items()}, sort_keys=False)
    return f"---\n{meta}---\n# Model\n\n{body}\n".encode()


def push(hub, user, repo_id: str, files: dict[str, bytes], *, private: bool = False, repo_type=RepoType.MODEL,
         message: str = "Upload"):
    """Create the repo when needed and commit the files; returns the repo."""
    from aicommons.repos.manage import find_repo

    repo = find_repo(hub, repo_type, repo_id) or create_repo(hub, user.principal(hub), repo_type, repo_id,
                                                             private=private)
    commit(hub, repo, [AddFile(path, content) for path, content in files.items()],
           author=Signature(user.name, f"{user.name}@example.org"), message=message)
    return repo
