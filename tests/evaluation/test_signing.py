"""Signed records: the hub's key is made once and kept; a record verifies with it; any edit, or
another key, fails verification and the report says what broke."""

import copy
import os
import stat

import pytest

from aicommons.evaluation.cache import SampleCache
from aicommons.evaluation.runners import local_folder
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.runs import evaluate
from aicommons.evaluation.signing import KEY_FILE, hub_key, load_public_key, public_key_document, sign
from aicommons.evaluation.verify import verify_record
from aicommons.evaluation.spec import get_task


@pytest.fixture
def signed(hub, iris_skops):
    record = evaluate(hub, get_task("iris"), local_folder(iris_skops), RunOptions(), cache=SampleCache(hub))
    return sign(record, hub_key(hub.settings.data_dir))


def public(hub) -> bytes:
    return load_public_key(public_key_document(hub_key(hub.settings.data_dir))["public_key"])


def failed(report) -> set[str]:
    return {check["check"] for check in report.checks if not check["passed"]}


def test_the_key_is_made_once_and_private(hub):
    first = public_key_document(hub_key(hub.settings.data_dir))
    assert public_key_document(hub_key(hub.settings.data_dir)) == first
    mode = stat.S_IMODE(os.stat(hub.settings.data_dir / KEY_FILE).st_mode)
    assert mode == 0o600
    assert load_public_key(first["pem"]) == load_public_key(first["public_key"])


def test_a_signed_record_verifies(hub, signed):
    report = verify_record(signed, public(hub))
    assert report.ok and failed(report) == set()
    assert [c["check"] for c in report.checks] == ["key", "signature", "fingerprint", "metrics"]


def test_a_changed_sample_fails_signature_fingerprint_and_scores(hub, signed):
    tampered = copy.deepcopy(signed)
    sample = next(s for s in tampered["samples"] if s["output"]["prediction"] == s["target"])
    sample["output"]["prediction"] = "virginica" if sample["target"] != "virginica" else "setosa"  # now wrong
    assert failed(verify_record(tampered, public(hub))) == {"signature", "fingerprint", "metrics"}


def test_a_raised_score_fails_signature_and_scores(hub, signed):
    tampered = copy.deepcopy(signed)
    tampered["metrics"]["accuracy"] = 1.0 if signed["metrics"]["accuracy"] < 1 else 0.5
    assert failed(verify_record(tampered, public(hub))) == {"signature", "metrics"}


def test_a_changed_model_commit_fails_the_signature(hub, signed):
    tampered = copy.deepcopy(signed)
    tampered["model"]["commit"] = "0" * 40
    assert failed(verify_record(tampered, public(hub))) == {"signature"}


def test_another_key_fails(tmp_path, hub, signed):
    other = public_key_document(hub_key(tmp_path / "elsewhere"))
    assert failed(verify_record(signed, load_public_key(other["public_key"]))) == {"key", "signature"}


def test_a_record_signed_again_by_a_forger_still_fails_the_hub_key(tmp_path, hub, signed):
    forged = copy.deepcopy(signed)
    forged["metrics"]["accuracy"] = 1.0
    forged = sign(forged, hub_key(tmp_path / "forger"))
    assert "signature" in failed(verify_record(forged, public(hub)))
