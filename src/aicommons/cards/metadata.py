"""The known fields of a card's metadata: their types, their normalised form, and what is wrong with them.

A wrongly typed known field is an error (the Hub rejects such a card); a value outside a vocabulary the
Hub keeps (licence ids, language codes, task ids) is a warning. Unknown fields are kept and never checked.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from aicommons.cards import vocabulary

RELATIONS = ("adapter", "merge", "quantized", "finetune")
# a repo id as cards write it: 'namespace/name', or a bare legacy name such as 'gpt2'
REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}$")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    is_error: bool = True

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True)
class EvalResult:
    """One self-reported score from a card's `model-index`."""

    task_type: str
    dataset_type: str
    dataset_name: str
    metric_type: str
    metric_value: float | str
    model_name: str | None = None
    task_name: str | None = None
    dataset_config: str | None = None
    dataset_split: str | None = None
    dataset_revision: str | None = None
    metric_name: str | None = None
    verified: bool = False
    source_name: str | None = None
    source_url: str | None = None


@dataclass
class CardMetadata:
    """A card's metadata in normalised form: every field that may hold one value or several is a list."""

    licenses: list[str] = field(default_factory=list)
    license_name: str | None = None
    license_link: str | None = None
    base_models: list[str] = field(default_factory=list)
    base_model_relation: str | None = None
    datasets: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] = field(default_factory=list)
    eval_results: list[EvalResult] = field(default_factory=list)
    new_version: str | None = None
    # dataset cards
    pretty_name: str | None = None
    task_categories: list[str] = field(default_factory=list)
    task_ids: list[str] = field(default_factory=list)
    size_categories: list[str] = field(default_factory=list)
    multilinguality: list[str] = field(default_factory=list)
    source_datasets: list[str] = field(default_factory=list)
    annotations_creators: list[str] = field(default_factory=list)
    language_creators: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)  # config names

    @property
    def license(self) -> str | None:
        return self.licenses[0] if len(self.licenses) == 1 else None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CardMetadata":
        values = dict(data)
        values["eval_results"] = [EvalResult(**item) for item in values.get("eval_results", [])]
        return cls(**values)


class _Reader:
    """Reads one card mapping, collecting problems instead of stopping at the first."""

    def __init__(self, data: dict, repo_type: str):
        self.data = data
        self.repo_type = repo_type
        self.problems: list[Problem] = []

    def error(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, message))

    def warn(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, message, is_error=False))

    # a check warns or errs about one value; it returns False to drop the value from the normalised form
    def string(self, key: str, check: Callable[[str, str], bool | None] | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(key, f"must be a string, not {_kind(value)}")
            return None
        return None if check and check(key, value) is False else value

    def strings(self, key: str, check: Callable[[str, str], bool | None] | None = None) -> list[str]:
        """A string or a list of strings, as a list."""
        value = self.data.get(key)
        if value is None:
            return []
        items = [(key, value)] if isinstance(value, str) else None
        if isinstance(value, list):
            items = [(f"{key}[{i}]", item) for i, item in enumerate(value)]
        if items is None:
            self.error(key, f"must be a string or a list of strings, not {_kind(value)}")
            return []
        out = []
        for name, item in items:
            if not isinstance(item, str):
                self.error(name, f"must be a string, not {_kind(item)}")
            elif check is None or check(name, item) is not False:
                out.append(item)
        return out

    def repo_id(self, name: str, value: str) -> bool:
        if not REPO_ID.match(value):
            self.error(name, f"{value!r} is not a repo id ('namespace/name')")
            return False
        return True

    def licence(self, name: str, value: str) -> None:
        if value not in vocabulary.hub_licenses():
            self.warn(name, f"{value!r} is not a licence id the Hub knows; use one of its ids, or 'other' "
                            "with license_name and license_link")

    def language(self, name: str, value: str) -> None:
        if vocabulary.language(value) is None:
            self.warn(name, f"{value!r} is not an ISO 639-1, 639-2 or 639-3 language code")

    def task(self, name: str, value: str) -> None:
        if value not in vocabulary.task_ids():
            self.warn(name, f"{value!r} is not a task id the Hub knows")

    def boolean(self, key: str) -> None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            self.error(key, f"must be true or false, not {_kind(value)}")


def read_metadata(data: dict, repo_type: str) -> tuple[CardMetadata, list[Problem]]:
    """Normalise a card's metadata mapping; returns it with every problem found (errors and warnings)."""
    reader = _Reader(data, str(repo_type))
    meta = CardMetadata(
        licenses=reader.strings("license", reader.licence) if repo_type == "dataset"
        else [v for v in [reader.string("license", reader.licence)] if v],
        license_name=reader.string("license_name"),
        license_link=reader.string("license_link"),
        base_models=reader.strings("base_model", reader.repo_id),
        base_model_relation=reader.string("base_model_relation", _relation(reader)),
        datasets=reader.strings("datasets", reader.repo_id),
        languages=reader.strings("language", reader.language),
        pipeline_tag=reader.string("pipeline_tag", reader.task),
        library_name=reader.string("library_name"),
        tags=reader.strings("tags"),
        eval_results=_eval_results(reader),
        new_version=reader.string("new_version", reader.repo_id),
        pretty_name=reader.string("pretty_name"),
        task_categories=reader.strings("task_categories", reader.task),
        task_ids=reader.strings("task_ids"),
        size_categories=reader.strings("size_categories"),
        multilinguality=reader.strings("multilinguality"),
        source_datasets=reader.strings("source_datasets"),
        annotations_creators=reader.strings("annotations_creators"),
        language_creators=reader.strings("language_creators"),
        configs=_config_names(reader),
    )
    for key in ("viewer",):
        reader.boolean(key)
    _cross_checks(reader, meta)
    return meta, reader.problems


def json_safe(value: Any) -> Any:
    """A YAML value as JSON can store it (dates as ISO text, non-finite numbers as text)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _relation(reader: _Reader) -> Callable[[str, str], bool]:
    def check(name: str, value: str) -> bool:
        if value not in RELATIONS:
            reader.error(name, f"{value!r} is not one of {', '.join(RELATIONS)}")
            return False
        return True
    return check


def _cross_checks(reader: _Reader, meta: CardMetadata) -> None:
    if meta.base_model_relation and not meta.base_models:
        reader.warn("base_model_relation", "is set but the card names no base_model")
    if meta.base_model_relation == "merge" and len(meta.base_models) == 1:
        reader.warn("base_model_relation", "a merge usually names several base models; this card names one")
    if "other" in meta.licenses and not meta.license_name:
        reader.warn("license_name", "license is 'other': name the licence in license_name (and give license_link)")


def _config_names(reader: _Reader) -> list[str]:
    configs = reader.data.get("configs")
    if configs is None:
        return []
    if not isinstance(configs, list):
        reader.error("configs", f"must be a list of configurations, not {_kind(configs)}")
        return []
    names = []
    for i, config in enumerate(configs):
        if not isinstance(config, dict):
            reader.error(f"configs[{i}]", f"must be a mapping, not {_kind(config)}")
        elif not isinstance(config.get("config_name"), str):
            reader.error(f"configs[{i}].config_name", "is required and must be a string")
        else:
            names.append(config["config_name"])
    return names


def _eval_results(reader: _Reader) -> list[EvalResult]:
    """`model-index`: [{name, results: [{task: {type, name}, dataset: {type, name, config, split, revision},
    metrics: [{type, value, name, verified}], source: {name, url}}]}]."""
    index = reader.data.get("model-index")
    if index is None:
        return []
    if not isinstance(index, list):
        reader.error("model-index", f"must be a list, not {_kind(index)}")
        return []
    out = []
    for i, model in enumerate(index):
        where = f"model-index[{i}]"
        if not isinstance(model, dict):
            reader.error(where, f"must be a mapping, not {_kind(model)}")
            continue
        results = model.get("results")
        if not isinstance(results, list):
            reader.error(f"{where}.results", "is required and must be a list")
            continue
        for j, result in enumerate(results):
            out += _result(reader, f"{where}.results[{j}]", result, _optional_str(reader, f"{where}.name", model.get("name")))
    return out


def _result(reader: _Reader, where: str, result: Any, model_name: str | None) -> list[EvalResult]:
    if not isinstance(result, dict):
        reader.error(where, f"must be a mapping, not {_kind(result)}")
        return []
    task = _section(reader, f"{where}.task", result.get("task"), required=("type",))
    dataset = _section(reader, f"{where}.dataset", result.get("dataset"), required=("type", "name"))
    source = _section(reader, f"{where}.source", result.get("source"), required=(), optional=True)
    metrics = result.get("metrics")
    if not isinstance(metrics, list):
        reader.error(f"{where}.metrics", "is required and must be a list")
        return []
    out = []
    for k, metric in enumerate(metrics):
        name = f"{where}.metrics[{k}]"
        if not isinstance(metric, dict):
            reader.error(name, f"must be a mapping, not {_kind(metric)}")
            continue
        kind = metric.get("type")
        value = metric.get("value")
        if not isinstance(kind, str):
            reader.error(f"{name}.type", "is required and must be a string")
        if value is None or isinstance(value, (bool, dict, list)):
            reader.error(f"{name}.value", "is required and must be a number or a string")
        verified = metric.get("verified", False)
        if not isinstance(verified, bool):
            reader.error(f"{name}.verified", f"must be true or false, not {_kind(verified)}")
        if task is None or dataset is None or not isinstance(kind, str) or value is None \
                or isinstance(value, (bool, dict, list)):
            continue
        out.append(EvalResult(
            task_type=task["type"], task_name=task.get("name"), dataset_type=dataset["type"],
            dataset_name=dataset["name"], dataset_config=dataset.get("config"), dataset_split=dataset.get("split"),
            dataset_revision=dataset.get("revision"), metric_type=kind,
            metric_value=json_safe(value) if isinstance(value, (int, float)) else str(value),
            metric_name=_optional_str(reader, f"{name}.name", metric.get("name")),
            verified=verified is True, model_name=model_name,
            source_name=(source or {}).get("name"), source_url=(source or {}).get("url"),
        ))
    return out


def _section(reader: _Reader, where: str, value: Any, required: tuple[str, ...],
             optional: bool = False) -> dict | None:
    """A mapping of string fields (task, dataset, source) with its required keys."""
    if value is None and optional:
        return None
    if not isinstance(value, dict):
        reader.error(where, "is required and must be a mapping" if value is None else
                     f"must be a mapping, not {_kind(value)}")
        return None
    ok = True
    for key, item in value.items():
        if key == "args":
            continue
        if key in required and not isinstance(item, str) or item is not None and not isinstance(item, str):
            reader.error(f"{where}.{key}", f"must be a string, not {_kind(item)}")
            ok = False
    for key in required:
        if key not in value:
            reader.error(f"{where}.{key}", "is required")
            ok = False
    return {k: v for k, v in value.items() if isinstance(v, str)} if ok else None


def _optional_str(reader: _Reader, where: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    reader.error(where, f"must be a string, not {_kind(value)}")
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)
