"""The real huggingface_hub client for the community tests: one HfApi per user, and raw HTTP beside it."""

from __future__ import annotations

import httpx
from huggingface_hub import CommitOperationAdd, HfApi


def api(server, user) -> HfApi:
    return HfApi(endpoint=server.url, token=user.token)


def http(server, user=None, *, follow: bool = False) -> httpx.Client:
    headers = {"authorization": f"Bearer {user.token}"} if user else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30, follow_redirects=follow)


def publish(hf: HfApi, repo_id: str, files: dict[str, bytes], repo_type: str = "model", **kwargs):
    hf.create_repo(repo_id, repo_type=repo_type, exist_ok=True, **kwargs)
    return hf.create_commit(repo_id, [CommitOperationAdd(path, content) for path, content in files.items()],
                            commit_message="add files", repo_type=repo_type)
