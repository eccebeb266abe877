"""Loaded models, least recently used first out, within a memory budget.

Keys name a commit, so a new commit never serves stale weights. Concurrent requests for a model that is not
loaded wait for one load instead of each loading it. A model larger than the whole budget is refused before
it is loaded, from its estimated size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from aicommons.inference.errors import NotLoadable
from aicommons.inference.loaders import LoadedModel


class ModelCache:
    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self._models: OrderedDict[Hashable, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, load: Callable[[], LoadedModel], estimate: Callable[[], int]) -> LoadedModel:
        """The model under ``key``, loaded now when absent; ``estimate()`` gives its size before loading."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        estimated_bytes = estimate()
        with self._lock:
            if estimated_bytes > self.budget_bytes:
                raise NotLoadable(f"This model needs about {estimated_bytes / 2**20:.0f} MiB, more than the "
                                  f"{self.budget_bytes / 2**20:.0f} MiB this hub gives loaded models")
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._models:  # another request loaded it while this one waited
                    self._models.move_to_end(key)
                    return self._models[key]
            try:
                loaded = load()
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            with self._lock:
                self._models[key] = loaded
                self._evict(keep=key)
            return loaded

    def _evict(self, keep: Hashable) -> None:
        # models still running a request stay alive until it ends; the cache just stops holding them
        while self.used_bytes() > self.budget_bytes and len(self._models) > 1:
            oldest = next(iter(self._models))
            if oldest == keep:
                self._models.move_to_end(oldest)
                continue
            del self._models[oldest]

    def used_bytes(self) -> int:
        return sum(model.nbytes for model in self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._models)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
