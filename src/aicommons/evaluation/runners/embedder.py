"""Sentence embedding models through ``sentence-transformers``, loaded from safetensors only.

A model folder names its modules in ``modules.json``; only modules of the sentence-transformers
package itself are accepted, since a module type is a Python import path.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from aicommons.errors import InvalidInput
from aicommons.evaluation.runners.options import RunOptions

ENCODE_CHUNK = 256
TRUSTED_MODULE_PREFIX = "sentence_transformers."


class Embedder:
    kind = "embedder"

    def __init__(self, folder: Path, options: RunOptions):
        from sentence_transformers import SentenceTransformer

        _check_modules(folder)
        self.options = options
        self.model = SentenceTransformer(str(folder), device=options.device, trust_remote_code=False,
                                         local_files_only=True,
                                         model_kwargs={"use_safetensors": True, "dtype": options.torch_dtype})

    def encode(self, texts: list[str], progress) -> np.ndarray:
        """Unit-length embeddings, so a dot product is the cosine similarity."""
        parts = []
        for start in range(0, len(texts), ENCODE_CHUNK):
            chunk = texts[start:start + ENCODE_CHUNK]
            parts.append(self.model.encode(chunk, batch_size=self.options.batch_size, convert_to_numpy=True,
                                           normalize_embeddings=True, show_progress_bar=False).astype(np.float32))
            progress(min(start + ENCODE_CHUNK, len(texts)), len(texts))
        return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def _check_modules(folder: Path) -> None:
    path = folder / "modules.json"
    if not path.exists():
        return
    try:
        modules = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput("model", f"modules.json is not valid JSON: {error}") from None
    for module in modules if isinstance(modules, list) else [modules]:
        kind = module.get("type", "") if isinstance(module, dict) else ""
        if not kind.startswith(TRUSTED_MODULE_PREFIX):
            raise InvalidInput("model", f"modules.json names module type {kind!r}; only sentence-transformers' own "
                                        "modules are loaded")
