"""Inference tests: tiny real models published to a temporary hub, and a stand-in for the scanner's verdicts."""

from __future__ import annotations

import pytest

from tests import tiny_models
from aicommons.inference import safety


class Verdicts:
    """The scanner's verdicts by blob; ``default`` answers for blobs not listed (None: never scanned)."""

    def __init__(self):
        self.by_sha256: dict[str, str] = {}
        self.default: str | None = "safe"

    def __call__(self, hub, sha256: str) -> str | None:
        return self.by_sha256.get(sha256, self.default)


@pytest.fixture
def verdicts(monkeypatch) -> Verdicts:
    fake = Verdicts()
    monkeypatch.setattr(safety, "scan_verdict", fake)
    return fake


@pytest.fixture
def publish(hub, alice, verdicts):
    """publish(kind, repo_name, private=False) -> repo id, owned by alice."""

    def _publish(kind: str, name: str | None = None, *, private: bool = False) -> str:
        repo_id = f"alice/{name or kind}"
        tiny_models.publish(hub, alice, repo_id, tiny_models.model_dir(kind), private=private)
        return repo_id

    return _publish
