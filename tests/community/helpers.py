"""Small builders the community tests share."""

from __future__ import annotations

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.repos.reading import read_text, snapshot


def signature(user) -> Signature:
    return Signature(user.name, f"{user.name}@example.org")


def new_repo(hub, owner, repo_id: str, files: dict[str, bytes] | None = None, private: bool = False,
             repo_type: RepoType = RepoType.MODEL):
    repo = create_repo(hub, owner.principal(hub), repo_type, repo_id, private=private)
    if files:
        commit(hub, repo, [AddFile(path, content) for path, content in files.items()], author=signature(owner),
               message="add files")
    return repo


def text_at(hub, repo, path: str, revision: str = "main") -> str | None:
    return read_text(hub, snapshot(hub, repo, revision), path)
