"""The real huggingface_hub client against the real server on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from huggingface_hub import CommitOperationAdd, HfApi, constants

from aicommons.repos.manage import find_repo
from aicommons.repos.reading import snapshot


@dataclass
class HfClient:
    """An HfApi for one user plus what the download functions need passed explicitly."""

    api: HfApi
    endpoint: str
    token: str
    cache: Path
    hub: object

    def upload(self, repo_id: str, files: dict[str, bytes], repo_type: str = "model", message: str = "add files",
               **kwargs):
        self.api.create_repo(repo_id, repo_type=repo_type, exist_ok=True)
        operations = [CommitOperationAdd(path, content) for path, content in files.items()]
        return self.api.create_commit(repo_id, operations, commit_message=message, repo_type=repo_type, **kwargs)

    def download_kwargs(self, **extra) -> dict:
        return {"endpoint": self.endpoint, "token": self.token, "cache_dir": self.cache, **extra}

    def head(self, repo_id: str, repo_type: str = "model", revision: str = "main") -> str:
        """The commit a branch points at, read from the store (to prove a rejected request changed nothing)."""
        return snapshot(self.hub, find_repo(self.hub, repo_type, repo_id), revision).commit_oid

    def http(self, token: str | None = "default") -> httpx.Client:
        token = self.token if token == "default" else token
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.endpoint, headers=headers, timeout=30)


@pytest.fixture(autouse=True)
def _plain_http_uploads(monkeypatch):
    # huggingface_hub reads HF_HUB_DISABLE_XET at import; large files then go through the LFS batch API
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)


@pytest.fixture
def hf(server, alice, tmp_path) -> HfClient:
    return HfClient(HfApi(endpoint=server.url, token=alice.token), server.url, alice.token, tmp_path / "hf-cache",
                    server.hub)


@pytest.fixture
def hf_bob(server, bob, tmp_path) -> HfClient:
    return HfClient(HfApi(endpoint=server.url, token=bob.token), server.url, bob.token, tmp_path / "hf-cache-bob",
                    server.hub)
