"""Checking a record: it was signed by the key given, its samples give its fingerprint, and its
samples give its scores. Any edit to a signed record fails the signature; an edit to a sample fails
the fingerprint and usually the scores as well, so the report says what was changed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from aicommons.errors import HubError
from aicommons.evaluation import metrics as metric_registry
from aicommons.evaluation.records import FORMAT, fingerprint
from aicommons.evaluation.signing import key_id, signature_valid
from aicommons.evaluation.spec import task_from_dict


@dataclass
class Verification:
    checks: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check["passed"] for check in self.checks)

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append({"check": name, "passed": passed, "detail": detail})


def verify_record(record: dict, public: bytes) -> Verification:
    report = Verification()
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        report.add("format", False, f"not an evaluation record of format {FORMAT}")
        return report
    signature = record.get("signature") or {}
    expected = key_id(public)
    report.add("key", signature.get("key_id") == expected,
               f"signed by key {signature.get('key_id')}, verifying with key {expected}")
    report.add("signature", signature_valid(record, public), "Ed25519 signature over the record's canonical JSON")
    samples, shared = record.get("samples") or [], record.get("shared") or {}
    actual = fingerprint(samples, shared)
    report.add("fingerprint", actual == record.get("fingerprint"),
               f"{len(samples)} samples hash to {actual}, the record says {record.get('fingerprint')}")
    report.add("metrics", *_metrics_match(record, samples))
    return report


def _metrics_match(record: dict, samples: list[dict]) -> tuple[bool, str]:
    try:
        task = task_from_dict(record["task"]["config"], "the record's task")
        recomputed = metric_registry.compute_all(task, samples)
    except (HubError, KeyError, TypeError, ValueError, IndexError) as error:
        return False, f"cannot recompute the scores from the samples: {error}"
    stated = record.get("metrics") or {}
    wrong = [name for name, value in recomputed.items() if not _same(value, stated.get(name))]
    if wrong:
        return False, "the samples do not give the stated " + ", ".join(
            f"{name} (stated {stated.get(name)}, recomputed {recomputed[name]})" for name in wrong)
    return True, "scores recomputed from the samples equal the stated ones"


def _same(value: float, stated) -> bool:
    if stated is None:
        return not math.isfinite(value)
    return math.isclose(value, stated, rel_tol=1e-9, abs_tol=1e-12)
