"""The tasks other than text generation: inputs checked before any work is queued, then run on a loaded model.
Inputs and outputs follow the Hugging Face Inference API's shapes for each task."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from aicommons.errors import InvalidInput
from aicommons.inference import tasks
from aicommons.inference.loaders import LoadedModel
from aicommons.inference.settings import InferenceSettings

MAX_TOP_K = 50
PIPELINES = {tasks.FILL_MASK: "fill-mask", tasks.TEXT_CLASSIFICATION: "text-classification",
             tasks.FEATURE_EXTRACTION: "feature-extraction"}


@dataclass(frozen=True)
class Request:
    task: str
    inputs: Any
    top_k: int | None = None
    normalize: bool | None = None


def check_request(task: str, inputs: Any, parameters: dict, settings: InferenceSettings) -> Request:
    """Validate a request's inputs and parameters for its task; InvalidInput names what is wrong."""
    if not isinstance(parameters, dict):
        raise InvalidInput("parameters", "parameters must be an object")
    if task == tasks.FILL_MASK:
        _texts(inputs, settings, allow_list=False)
        return Request(task, inputs, _top_k(parameters, 5))
    if task == tasks.TEXT_CLASSIFICATION:
        _texts(inputs, settings, allow_list=True)
        return Request(task, inputs, _top_k(parameters, None))
    if task == tasks.FEATURE_EXTRACTION:
        _texts(inputs, settings, allow_list=True)
        normalize = parameters.get("normalize")
        if normalize is not None and not isinstance(normalize, bool):
            raise InvalidInput("normalize", "normalize must be true or false")
        return Request(task, inputs, normalize=normalize)
    if task == tasks.SENTENCE_SIMILARITY:
        if not isinstance(inputs, dict) or not isinstance(inputs.get("source_sentence"), str) \
                or not isinstance(inputs.get("sentences"), list) or not inputs["sentences"]:
            raise InvalidInput("inputs", "sentence-similarity takes {\"source_sentence\": text, "
                               "\"sentences\": [text, ...]}")
        _texts([inputs["source_sentence"], *inputs["sentences"]], settings, allow_list=True)
        return Request(task, inputs)
    if task in (tasks.TABULAR_CLASSIFICATION, tasks.TABULAR_REGRESSION):
        return Request(task, _table(inputs, settings))
    raise InvalidInput("task", f"unsupported task {task!r}")


def _texts(inputs: Any, settings: InferenceSettings, *, allow_list: bool) -> None:
    items = inputs if allow_list and isinstance(inputs, list) else [inputs]
    if not items or not all(isinstance(item, str) for item in items):
        shape = "a string or a list of strings" if allow_list else "a string"
        raise InvalidInput("inputs", f"inputs must be {shape}")
    if len(items) > settings.max_items:
        raise InvalidInput("inputs", f"{len(items)} inputs; at most {settings.max_items} per request")
    chars = sum(len(item) for item in items)
    if chars > settings.max_input_chars:
        raise InvalidInput("inputs", f"inputs of {chars} characters; at most {settings.max_input_chars} per request")


def _top_k(parameters: dict, default: int | None) -> int | None:
    value = parameters.get("top_k", default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP_K:
        raise InvalidInput("top_k", f"top_k must be an integer from 1 to {MAX_TOP_K}")
    return value


def _table(inputs: Any, settings: InferenceSettings) -> dict[str, list]:
    data = inputs.get("data") if isinstance(inputs, dict) else None
    if not isinstance(data, dict) or not data or not all(isinstance(v, list) for v in data.values()):
        raise InvalidInput("inputs", "tabular tasks take {\"data\": {column: [values, ...], ...}}")
    lengths = {len(v) for v in data.values()}
    if len(lengths) != 1:
        raise InvalidInput("inputs", "every column must have the same number of rows")
    rows = lengths.pop()
    if not 1 <= rows <= settings.max_rows:
        raise InvalidInput("inputs", f"{rows} rows; from 1 to {settings.max_rows} per request")
    if not all(isinstance(x, (int, float, str)) and not isinstance(x, bool) or x is None
               for column in data.values() for x in column):
        raise InvalidInput("inputs", "table cells must be numbers, strings or null")
    return data


def run(loaded: LoadedModel, request: Request) -> Any:
    if request.task in (tasks.TABULAR_CLASSIFICATION, tasks.TABULAR_REGRESSION):
        return _predict_table(loaded, request.inputs)
    if loaded.framework == "sentence-transformers":
        return _sentence_embeddings(loaded, request)
    pipe = _pipeline(loaded, request.task)
    with loaded.lock:
        if request.task == tasks.FILL_MASK:
            mask = loaded.tokenizer.mask_token
            if mask is None or mask not in request.inputs:
                raise InvalidInput("inputs", f"the input must contain the mask token {mask}")
            return pipe(request.inputs, top_k=request.top_k)
        if request.task == tasks.TEXT_CLASSIFICATION:
            items = request.inputs if isinstance(request.inputs, list) else [request.inputs]
            return [_sorted(result) for result in pipe(items, top_k=request.top_k, truncation=True)]
        return pipe(request.inputs, truncation=True)


def _pipeline(loaded: LoadedModel, task: str):
    with loaded.lock:
        if task not in loaded.extras:
            from transformers import pipeline

            loaded.extras[task] = pipeline(PIPELINES[task], model=loaded.model, tokenizer=loaded.tokenizer,
                                           device="cpu")
        return loaded.extras[task]


def _sorted(result) -> list[dict]:
    result = result if isinstance(result, list) else [result]
    return sorted(({"label": r["label"], "score": float(r["score"])} for r in result), key=lambda r: -r["score"])


def _sentence_embeddings(loaded: LoadedModel, request: Request) -> Any:
    model = loaded.model
    if request.task == tasks.SENTENCE_SIMILARITY:
        with loaded.lock:
            source = model.encode([request.inputs["source_sentence"]], convert_to_tensor=True)
            others = model.encode(request.inputs["sentences"], convert_to_tensor=True)
        return [float(x) for x in model.similarity(source, others)[0]]
    single = isinstance(request.inputs, str)
    with loaded.lock:
        vectors = model.encode([request.inputs] if single else request.inputs, convert_to_numpy=True,
                               normalize_embeddings=bool(request.normalize))
    return vectors[0].tolist() if single else vectors.tolist()


def _predict_table(loaded: LoadedModel, data: dict[str, list]) -> list:
    import numpy as np

    named = getattr(loaded.model, "feature_names_in_", None)
    expected = list(named) if named is not None else loaded.extras.get("columns") or list(data)
    missing = [c for c in expected if c not in data]
    if missing:
        raise InvalidInput("inputs", f"missing columns: {', '.join(map(str, missing))}")
    table = _frame(data, expected)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "X does not have valid feature names" on arrays
            predictions = loaded.model.predict(table)
    except (ValueError, TypeError) as error:
        raise InvalidInput("inputs", f"the model cannot predict from these rows: {error}") from None
    out = np.asarray(predictions).tolist()
    return [None if isinstance(x, float) and not math.isfinite(x) else x for x in out]


def _frame(data: dict[str, list], columns: list[str]):
    """A DataFrame when pandas is installed (models trained on frames select columns by name), else an array."""
    try:
        import pandas
    except ImportError:
        import numpy as np

        return np.array([data[c] for c in columns], dtype=object).T
    return pandas.DataFrame({c: data[c] for c in columns})
