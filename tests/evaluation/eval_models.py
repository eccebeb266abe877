"""Test repos and scikit-learn models made here, offline (shared by the evaluation tests)."""

from __future__ import annotations

from pathlib import Path

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature


def fitted(name: str, estimator):
    from aicommons.evaluation.builtin import tabular

    features, splits = tabular.rows(name)
    train = splits["train"]
    return estimator.fit([[row[f] for f in features] for row in train], [row["target"] for row in train])


def push_folder(hub, owner, repo_id: str, folder: Path, card: str | None = None, private: bool = False):
    """Create a model repo holding the folder's files (and a README card)."""
    repo = create_repo(hub, owner.principal(hub), RepoType.MODEL, repo_id, private=private)
    operations = [AddFile(p.relative_to(folder).as_posix(), p.read_bytes()) for p in sorted(folder.rglob("*"))
                  if p.is_file()]
    if card is not None:
        operations.append(AddFile("README.md", card.encode()))
    result = commit(hub, repo, operations, author=Signature(owner.name, f"{owner.name}@example.org"),
                    message="Upload model")
    return repo, result.oid


def small(name: str, limit: int):
    """A built-in task cut to its first rows, so tests stay quick."""
    from aicommons.evaluation.spec import get_task

    return get_task(name).model_copy(update={"limit": limit})
