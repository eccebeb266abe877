"""scikit-learn models saved with skops, loaded only when every type they hold is trusted.

skops trusts scikit-learn's estimators and plain data types by itself; ``get_untrusted_types`` lists
the rest, and each of those must be on the allowlist in ``data/skops_trusted.yaml`` (data-only types
such as fitted tree structures). Anything else is refused before loading, so a file cannot run code.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from aicommons.errors import InvalidInput
from aicommons.evaluation.runners.options import RunOptions


@lru_cache(maxsize=1)
def trusted_types() -> frozenset[str]:
    text = resources.files("aicommons.evaluation.data").joinpath("skops_trusted.yaml").read_text(encoding="utf-8")
    return frozenset(entry["type"] for entry in yaml.safe_load(text)["trusted"])


class TabularModel:
    kind = "tabular"

    def __init__(self, folder: Path, options: RunOptions):
        import skops.io

        files = sorted(folder.glob("*.skops"))
        if len(files) != 1:
            raise InvalidInput("model", f"a scikit-learn model folder needs exactly one .skops file, found {len(files)}")
        self.path = files[0]
        untrusted = skops.io.get_untrusted_types(file=self.path)
        refused = sorted(set(untrusted) - trusted_types())
        if refused:
            raise InvalidInput("model", f"{self.path.name} holds types that are not trusted: {', '.join(refused)}")
        self.estimator = skops.io.load(self.path, trusted=untrusted)
        if not hasattr(self.estimator, "predict"):
            raise InvalidInput("model", f"{self.path.name} holds a {type(self.estimator).__name__}, which cannot predict")

    def predict(self, rows: list[list], feature_names: list[str]) -> list:
        known = getattr(self.estimator, "feature_names_in_", None)
        if known is not None and list(known) != list(feature_names):
            raise InvalidInput("model", f"the model was fitted on columns {list(known)}, the task gives {feature_names}")
        expected = getattr(self.estimator, "n_features_in_", len(feature_names))
        if expected != len(feature_names):
            raise InvalidInput("model", f"the model expects {expected} features, the task gives {len(feature_names)}")
        with warnings.catch_warnings():
            # fitted on a named table, asked with a plain array in the same column order (checked above)
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return list(self.estimator.predict(np.asarray(rows, dtype=np.float64)))
