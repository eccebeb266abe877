"""Self-reported scores from a model card's ``model-index``, set beside the hub's own results.

A claim is about a task when its ``dataset.type`` or ``dataset.name`` equals the task's name or one
of its aliases (case-insensitive), and about a metric when ``metrics[].type`` equals the metric's
name. Accuracy-like metrics (in [0, 1]) accept claims written in percent: a value above 1 and at
most 100 is divided by 100. A claim *matches* when ``|claimed - measured| <= tolerance``: the
task's own tolerance for the metric, else 0.01 for accuracy-like metrics and 1 % of the measured
value for the others. The gap is ``claimed - measured`` (positive: the card claims more).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from aicommons.evaluation import metrics as metric_registry

DEFAULT_FRACTION_TOLERANCE = 0.01
DEFAULT_RELATIVE_TOLERANCE = 0.01


@dataclass(frozen=True)
class Claim:
    dataset: str  # dataset.type
    dataset_name: str | None
    metric: str
    value: float
    source: str | None  # source.name, or "self-reported"


@dataclass(frozen=True)
class ClaimCheck:
    metric: str
    claimed: float  # as written on the card
    compared: float  # after a percent claim is turned into a fraction
    measured: float
    gap: float
    tolerance: float
    verdict: str  # "matches" | "differs"
    source: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def claims_from_card(metadata: dict) -> list[Claim]:
    """Every metric value in a card's ``model-index``; entries that are not well formed are skipped."""
    out = []
    index = metadata.get("model-index") if isinstance(metadata, dict) else None
    for model in index if isinstance(index, list) else []:
        results = model.get("results") if isinstance(model, dict) else None
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict) or not isinstance(result.get("dataset"), dict):
                continue
            dataset = result["dataset"]
            source = result.get("source") if isinstance(result.get("source"), dict) else {}
            for metric in result.get("metrics") or []:
                value = metric.get("value") if isinstance(metric, dict) else None
                if isinstance(value, str):
                    try:
                        value = float(value.strip().rstrip("%"))
                    except ValueError:
                        continue
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                        and isinstance(metric.get("type"), str) and dataset.get("type") is not None:
                    out.append(Claim(str(dataset["type"]), _text(dataset.get("name")), metric["type"], float(value),
                                     _text(source.get("name"))))
    return out


def _text(value) -> str | None:
    return str(value) if value is not None else None


def about(task, claim: Claim) -> bool:
    names = {name.lower() for name in [task.name, *task.aliases]}
    return claim.dataset.lower() in names or (claim.dataset_name or "").lower() in names


def compare(task, measured: dict[str, float | None], claims: list[Claim]) -> list[ClaimCheck]:
    checks = []
    for claim in claims:
        name = next((m for m in task.metrics if m.lower() == claim.metric.lower()), None)
        if name is None or not about(task, claim) or measured.get(name) is None:
            continue
        metric = metric_registry.get(task.output_type, name)
        value = measured[name]
        compared = claim.value / 100 if metric.fraction and 1 < claim.value <= 100 else claim.value
        tolerance = task.tolerance.get(name)
        if tolerance is None:
            tolerance = DEFAULT_FRACTION_TOLERANCE if metric.fraction else DEFAULT_RELATIVE_TOLERANCE * abs(value)
        gap = compared - value
        checks.append(ClaimCheck(name, claim.value, compared, value, gap, tolerance,
                                 "matches" if abs(gap) <= tolerance else "differs", claim.source))
    return checks
