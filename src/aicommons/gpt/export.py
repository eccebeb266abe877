"""Hugging Face format folders: what `AutoModelForCausalLM.from_pretrained` and
`AutoTokenizer.from_pretrained` read, written from and read back into the compact GPT."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .config import ModelConfig
from .model import GPT
from .tokenizer import Tokenizer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
GENERATION_CONFIG_FILE = "generation_config.json"
TIED_HEAD = "lm_head.weight"


def save_model(model: GPT, tokenizer: Tokenizer, directory: str | Path) -> Path:
    """Write config, float32 safetensors weights, tokenizer and generation defaults."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = model.config
    (directory / CONFIG_FILE).write_text(json.dumps(config.to_hf_config(), indent=2) + "\n")
    state = {
        name: tensor.detach().to("cpu", torch.float32).contiguous()
        for name, tensor in model.state_dict().items()
        if not (config.tie_word_embeddings and name == TIED_HEAD)  # stored once, as the embedding
    }
    save_file(state, directory / WEIGHTS_FILE, metadata={"format": "pt"})
    tokenizer.save(directory, model_max_length=config.max_position_embeddings)
    generation = {
        "bos_token_id": config.bos_token_id,
        "eos_token_id": config.eos_token_id,
        "pad_token_id": config.eos_token_id,
        "do_sample": True,
        "temperature": 0.8,
        "top_k": 50,
    }
    (directory / GENERATION_CONFIG_FILE).write_text(json.dumps(generation, indent=2) + "\n")
    return directory


def read_config(directory: str | Path) -> ModelConfig:
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {CONFIG_FILE} in {directory}: not a model export")
    return ModelConfig.from_hf_config(json.loads(path.read_text()))


def read_weights(directory: str | Path) -> dict[str, torch.Tensor]:
    path = Path(directory) / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {WEIGHTS_FILE} in {directory}")
    return load_file(path)


def load_weights(model: GPT, state: dict[str, torch.Tensor]) -> None:
    """Copy exported tensors into `model`, naming any that do not fit its config."""
    expected = {k: v.shape for k, v in model.state_dict().items()}
    state = dict(state)
    if model.config.tie_word_embeddings:
        expected.pop(TIED_HEAD)
        state.pop(TIED_HEAD, None)  # some writers store the tied head twice
    missing, unexpected = expected.keys() - state.keys(), state.keys() - expected.keys()
    if missing or unexpected:
        raise ValueError(
            f"weights do not match the model config: missing {sorted(missing)}, unexpected {sorted(unexpected)}"
        )
    wrong = sorted(k for k, shape in expected.items() if state[k].shape != shape)
    if wrong:
        raise ValueError(f"weights have the wrong shape for the model config: {wrong}")
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=not model.config.tie_word_embeddings)


def load_model(directory: str | Path, device: str | torch.device = "cpu") -> tuple[GPT, Tokenizer]:
    """An exported model and its tokenizer, ready for sampling."""
    model = GPT(read_config(directory))
    load_weights(model, read_weights(directory))
    return model.to(device).eval(), Tokenizer.load(directory)
