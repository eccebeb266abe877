"""What the Hub says about a repo besides its files: card data, tags, library and task.

All of it derives from the README front matter and the file names at a commit, so it is cached by the
README's content hash and recomputed by nobody else.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import yaml

from aicommons.cards.frontmatter import parse_front_matter
from aicommons.hub import Hub
from aicommons.repos.names import RepoType
from aicommons.repos.objects import FileEntry

CARD_PATH = "README.md"
MAX_CARD_BYTES = 2 * 1024 * 1024

# the Hub's dataset tags are "key:value" for these card fields
DATASET_TAG_FIELDS = ("task_categories", "task_ids", "language", "license", "size_categories", "multilinguality",
                      "language_creators", "annotations_creators", "source_datasets")
MODEL_FILE_TAGS = {".safetensors": "safetensors", ".gguf": "gguf", ".onnx": "onnx"}
DATASET_FORMAT_TAGS = {".csv": "format:csv", ".tsv": "format:csv", ".parquet": "format:parquet",
                       ".json": "format:json", ".jsonl": "format:json", ".arrow": "format:arrow",
                       ".txt": "format:text"}
# a library recognised by a file it always writes, for repos whose card does not say
LIBRARY_MARKERS = (("modules.json", "sentence-transformers"), ("config.json", "transformers"))
LIBRARY_SUFFIXES = ((".skops", "sklearn"), (".gguf", "gguf"))


@dataclass(frozen=True)
class RepoMetadata:
    card_data: dict | None
    tags: list[str] = field(default_factory=list)
    library_name: str | None = None
    pipeline_tag: str | None = None


class _CardCache:
    """Parsed front matter by README sha256: content-addressed, so an entry never goes stale."""

    def __init__(self, capacity: int = 4096):
        self._items: OrderedDict[str, dict | None] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def get(self, hub: Hub, entry: FileEntry) -> dict | None:
        with self._lock:
            if entry.sha256 in self._items:
                self._items.move_to_end(entry.sha256)
                return self._items[entry.sha256]
        data = _parse_card(hub, entry)
        with self._lock:
            self._items[entry.sha256] = data
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return data


def _parse_card(hub: Hub, entry: FileEntry) -> dict | None:
    if entry.size > MAX_CARD_BYTES:
        return None
    text = hub.blobs.read(entry.sha256).decode("utf-8", "replace")
    try:
        return parse_front_matter(text)
    except (yaml.YAMLError, ValueError):
        return None  # a broken card still lists; validate-yaml and the card page say what is wrong


_cards = _CardCache()


def repo_metadata(hub: Hub, repo_type: str, files: dict[str, FileEntry]) -> RepoMetadata:
    card_entry = files.get(CARD_PATH)
    card = _cards.get(hub, card_entry) if card_entry is not None else None
    card = card or {}
    library = _text(card.get("library_name")) or _library_from_files(files)
    pipeline = _text(card.get("pipeline_tag"))
    if repo_type == RepoType.DATASET:
        tags = _dataset_tags(card, files)
    else:
        tags = _model_tags(card, files, library, pipeline)
    return RepoMetadata(card if card_entry is not None else None, tags, library, pipeline)


def _model_tags(card: dict, files: dict[str, FileEntry], library: str | None, pipeline: str | None) -> list[str]:
    tags = [*_texts(card.get("tags")), *filter(None, [library, pipeline])]
    tags += sorted({tag for path in files for suffix, tag in MODEL_FILE_TAGS.items() if path.endswith(suffix)})
    tags += _texts(card.get("language"))
    tags += [f"dataset:{d}" for d in _texts(card.get("datasets"))]
    tags += [f"base_model:{m}" for m in _texts(card.get("base_model"))]
    tags += [f"license:{lic}" for lic in _texts(card.get("license"))]
    return list(dict.fromkeys(tags))


def _dataset_tags(card: dict, files: dict[str, FileEntry]) -> list[str]:
    tags = list(_texts(card.get("tags")))
    for key in DATASET_TAG_FIELDS:
        tags += [f"{key}:{value}" for value in _texts(card.get(key))]
    tags += sorted({tag for path in files for suffix, tag in DATASET_FORMAT_TAGS.items() if path.endswith(suffix)})
    return list(dict.fromkeys(tags))


def _library_from_files(files: dict[str, FileEntry]) -> str | None:
    for marker, library in LIBRARY_MARKERS:
        if marker in files:
            return library
    for suffix, library in LIBRARY_SUFFIXES:
        if any(path.endswith(suffix) for path in files):
            return library
    return None


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value) -> list[str]:
    """A card field that may be one string or a list of them; anything else is ignored."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []
