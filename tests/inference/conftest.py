"""Inference tests: tiny real models published to a temporary hub. The real security scanner decides what may
load; ``verdicts`` stands in for it where a test needs a verdict that real content would not get."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from aicommons.features import configure_hub
from aicommons.hub import Hub
from aicommons.inference import safety
from aicommons.repos.manage import find_repo
from aicommons.settings import Settings
from tests import tiny_models
from tests.conftest import LiveServer, TestUser, make_user


class Verdicts:
    """Verdicts by blob; blobs not listed get ``default``: "scan" asks the real scanner, None means never scanned."""

    def __init__(self, real):
        self.real = real
        self.by_sha256: dict[str, str] = {}
        self.default: str | None = "scan"

    def __call__(self, hub, sha256: str) -> str | None:
        if sha256 in self.by_sha256:
            return self.by_sha256[sha256]
        return self.real(hub, sha256) if self.default == "scan" else self.default


@pytest.fixture
def verdicts(monkeypatch) -> Verdicts:
    fake = Verdicts(safety.scan_verdict)
    monkeypatch.setattr(safety, "scan_verdict", fake)
    return fake


@pytest.fixture
def publish(hub, alice):
    """publish(kind, repo_name, private=False) -> repo id, owned by alice (once: a shared hub may have it)."""

    def _publish(kind: str, name: str | None = None, *, private: bool = False) -> str:
        repo_id = f"alice/{name or kind}"
        if find_repo(hub, "model", repo_id) is None:
            tiny_models.publish(hub, alice, repo_id, tiny_models.model_dir(kind), private=private)
        return repo_id

    return _publish


@dataclass
class Live:
    hub: Hub
    server: LiveServer
    alice: TestUser
    bob: TestUser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One hub, alice and bob, and a server, for a whole test module (tests/inference/shared uses it)."""
    hub = configure_hub(Hub.open(Settings.from_env(tmp_path_factory.mktemp("live") / "data")))
    server = LiveServer(hub).start()
    yield Live(hub, server, make_user(hub, "alice"), make_user(hub, "bob"))
    server.stop()
    hub.close()
