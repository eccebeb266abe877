"""Repos with scanned content for the hub-side security tests."""

from __future__ import annotations

import pickle

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature

from .crafted import rce

SAFE_PICKLE = pickle.dumps({"weights": [1.0, 2.0]}, protocol=4)
DANGEROUS_PICKLE = rce("os", "system")
SUSPICIOUS_PICKLE = rce("mypkg.layers", "Block")


def push(hub, user, repo_id: str, files: dict[str, bytes], *, private: bool = False,
         repo_type: RepoType = RepoType.MODEL):
    repo = create_repo(hub, user.principal(hub), repo_type, repo_id, private=private)
    result = commit(hub, repo, [AddFile(path, content) for path, content in files.items()],
                    author=Signature(user.name, f"{user.name}@example.org"), message="add files")
    return repo, result.oid


def scanned_model(hub, user, repo_id: str = None, *, private: bool = False):
    """A model with a safe, a suspicious and a dangerous pickle and a README, all scanned."""
    repo, oid = push(hub, user, repo_id or f"{user.name}/scanned", {
        "README.md": b"# scanned\n", "weights.bin": SAFE_PICKLE, "custom.pkl": SUSPICIOUS_PICKLE,
        "evil.bin": DANGEROUS_PICKLE}, private=private)
    hub.jobs.drain()
    return repo, oid
