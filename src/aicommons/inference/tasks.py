"""Which tasks a model can run, decided from its files: the card's pipeline_tag, config.json's architectures,
a sentence-transformers modules.json, or a scikit-learn config naming a skops file."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from aicommons.cards.frontmatter import parse_front_matter
from aicommons.errors import InvalidInput
from aicommons.json_text import json_object

TEXT_GENERATION = "text-generation"
FILL_MASK = "fill-mask"
FEATURE_EXTRACTION = "feature-extraction"
SENTENCE_SIMILARITY = "sentence-similarity"
TEXT_CLASSIFICATION = "text-classification"
TABULAR_CLASSIFICATION = "tabular-classification"
TABULAR_REGRESSION = "tabular-regression"
TASKS = (TEXT_GENERATION, FILL_MASK, FEATURE_EXTRACTION, SENTENCE_SIMILARITY, TEXT_CLASSIFICATION,
         TABULAR_CLASSIFICATION, TABULAR_REGRESSION)

# architecture class name suffix -> what it can do (first is its own task)
ARCHITECTURE_TASKS = (
    (("ForCausalLM", "LMHeadModel"), (TEXT_GENERATION,)),
    (("ForMaskedLM",), (FILL_MASK, FEATURE_EXTRACTION)),
    (("ForSequenceClassification",), (TEXT_CLASSIFICATION,)),
    (("Model",), (FEATURE_EXTRACTION,)),
)
MAX_SMALL_FILE = 5 * 1024 * 1024


@dataclass(frozen=True)
class ModelKind:
    framework: str  # "transformers" | "sentence-transformers" | "sklearn"
    tasks: tuple[str, ...]  # supported, the default first
    weights: str | None = None  # the skops file, for sklearn

    def choose(self, requested: str | None) -> str:
        if requested is None:
            return self.tasks[0]
        if requested not in self.tasks:
            raise InvalidInput("task", f"this model runs {', '.join(self.tasks)}, not {requested!r}")
        return requested


def model_kind(read_text, paths: list[str]) -> ModelKind | None:
    """What the model is, or None when the hub cannot run it. ``read_text(path)`` gives a small file or None."""
    config = json_object(read_text("config.json"))
    pipeline_tag = _pipeline_tag(read_text("README.md"))
    kind = _sklearn(config, paths) or _sentence_transformers(read_text, paths) or _transformers(config)
    if kind is None:
        return None
    if pipeline_tag in kind.tasks:  # the card names the default task
        kind = ModelKind(kind.framework, (pipeline_tag, *[t for t in kind.tasks if t != pipeline_tag]), kind.weights)
    return kind


def _sklearn(config: dict | None, paths: list[str]) -> ModelKind | None:
    section = config.get("sklearn") if config else None
    named = section.get("model", {}).get("file") if isinstance(section, dict) and isinstance(
        section.get("model"), dict) else None
    skops = [p for p in paths if p.endswith(".skops")]
    weights = named if named in paths and str(named).endswith(".skops") else (skops[0] if len(skops) == 1 else None)
    if weights is None:
        return None
    task = section.get("task") if isinstance(section, dict) else None
    tabular = (TABULAR_REGRESSION, TABULAR_CLASSIFICATION)
    return ModelKind("sklearn", tabular if task == TABULAR_REGRESSION else tabular[::-1], weights)


def _sentence_transformers(read_text, paths: list[str]) -> ModelKind | None:
    if "modules.json" not in paths:
        return None
    return ModelKind("sentence-transformers", (FEATURE_EXTRACTION, SENTENCE_SIMILARITY))


def _transformers(config: dict | None) -> ModelKind | None:
    architectures = config.get("architectures") if config else None
    if not isinstance(architectures, list) or not architectures or not isinstance(architectures[0], str):
        return None
    for suffixes, tasks in ARCHITECTURE_TASKS:
        if architectures[0].endswith(suffixes):
            return ModelKind("transformers", tasks)
    return None


def _pipeline_tag(card: str | None) -> str | None:
    if card is None:
        return None
    try:
        tag = parse_front_matter(card).get("pipeline_tag")
    except (yaml.YAMLError, ValueError):
        return None
    return tag if isinstance(tag, str) else None
