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
        "max_length": config.max_position_embeddings,
    }
    (directory / GENERATION_CONFIG_FILE).write_text(json.dumps(generation, indent=2) + "\n")
    return directory


def read_config(directory: str | Path) -> ModelConfig:
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {CONFIG_FILE} in {directory}: not a model export")
    return ModelConfig.from_hf_config(json.loads(path.read_text()))


def read_weights(directory: str | Path, config: ModelConfig) -> dict[str, torch.Tensor]:
    """The export's tensors, checked against the names and shapes the model expects."""
    path = Path(directory) / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {WEIGHTS_FILE} in {directory}")
    state = load_file(path)
    with torch.device("meta"):
        expected = {k: v.shape for k, v in GPT(config).state_dict().items()}
    if config.tie_word_embeddings:
        expected.pop(TIED_HEAD)
        state.pop(TIED_HEAD, None)  # some writers store the tied head twice
    missing, unexpected = expected.keys() - state.keys(), state.keys() - expected.keys()
    if missing or unexpected:
        raise ValueError(f"{path} does not match its config: missing {sorted(missing)}, unexpected {sorted(unexpected)}")
    wrong = [k for k, shape in expected.items() if state[k].shape != shape]
    if wrong:
        raise ValueError(f"{path} has tensors of the wrong shape for its config: {wrong}")
    return {k: v.float() for k, v in state.items()}


def load_model(directory: str | Path, device: str | torch.device = "cpu") -> tuple[GPT, Tokenizer]:
    """An exported model and its tokenizer, ready for sampling."""
    config = read_config(directory)
    model = GPT(config)
    model.load_state_dict(read_weights(directory, config), strict=not config.tie_word_embeddings)
    return model.to(device).eval(), Tokenizer.load(directory)
