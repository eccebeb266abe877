"""Tabular evaluation data from the data sets bundled inside scikit-learn (no download).

Split rule: row ``i`` of the bundled table goes to ``test`` when ``i % 5 == 4``, else to ``train``
(the bundled tables are ordered by class, so each class keeps its share). Column names are the
bundled feature names made into identifiers (``sepal length (cm)`` -> ``sepal_length_cm``);
classification labels are the class names, so predictions are readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEST_EVERY = 5


@dataclass(frozen=True)
class Bundled:
    loader: str
    classification: bool
    license: str
    source: str


BUNDLED = {
    "iris": Bundled("load_iris", True, "cc-by-4.0", "UCI Machine Learning Repository: Iris (Fisher, 1936)"),
    "wine": Bundled("load_wine", True, "cc-by-4.0", "UCI Machine Learning Repository: Wine"),
    "breast-cancer": Bundled("load_breast_cancer", True, "cc-by-4.0",
                             "UCI Machine Learning Repository: Breast Cancer Wisconsin (Diagnostic)"),
    "diabetes": Bundled("load_diabetes", False, "unknown",
                        "Efron, Hastie, Johnstone and Tibshirani (2004), Least Angle Regression"),
}


def column_name(feature: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", feature.lower()).strip("_")


def rows(name: str) -> tuple[list[str], dict[str, list[dict]]]:
    """(feature columns, {split: rows}) for a bundled data set; the label column is ``target``."""
    import sklearn.datasets

    spec = BUNDLED[name]
    bunch = getattr(sklearn.datasets, spec.loader)()
    features = [column_name(f) for f in bunch.feature_names]
    splits: dict[str, list[dict]] = {"train": [], "test": []}
    for index, (values, target) in enumerate(zip(bunch.data.tolist(), bunch.target.tolist())):
        row = {"id": index, **dict(zip(features, values))}
        row["target"] = str(bunch.target_names[target]) if spec.classification else float(target)
        splits["test" if index % TEST_EVERY == TEST_EVERY - 1 else "train"].append(row)
    return features, splits
