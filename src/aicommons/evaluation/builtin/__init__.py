"""Built-in evaluation data sets, made on this machine and stored as ordinary dataset repos on the hub.

``install(hub, dataset)`` creates the repo named by a task (``aicommons/<name>``) from its generator,
commits ``data/<split>.jsonl`` files and a card, and tags the commit with the task's pinned revision.
Nothing is downloaded: the data comes from scikit-learn's bundled tables and from the Python
standard library source (see ``stdlib.py`` and ``tabular.py`` for the exact rules).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import yaml

from aicommons.accounts.principal import Principal
from aicommons.accounts.service import create_user, get_account
from aicommons.errors import Conflict, NotFound, RevisionNotFound
from aicommons.evaluation.builtin import stdlib, tabular
from aicommons.hub import Hub
from aicommons.repos import revisions
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import SYSTEM, create_repo, create_tag, find_repo
from aicommons.repos.names import RepoType

NAMESPACE = "aicommons"
STDLIB_LICENSE = {"license": "other", "license_name": "psf-2.0",
                  "license_link": "https://docs.python.org/3/license.html"}


@dataclass(frozen=True)
class Generator:
    title: str
    description: str
    card: dict  # extra front matter (licence, tags)
    splits: Callable[[], dict[str, list[dict]]]


def _stdlib(title: str, description: str, make: Callable[[bool], list[dict]]) -> Generator:
    return Generator(title, description + "\n\n" + stdlib.__doc__,
                     {**STDLIB_LICENSE, "python_version": stdlib.python_version(), "language": ["en", "code"]},
                     lambda: {"train": make(False), "test": make(True)})


def _bundled(name: str) -> Generator:
    spec = tabular.BUNDLED[name]
    kind = "classification" if spec.classification else "regression"
    return Generator(f"{name} ({kind})", f"Source: {spec.source}.\n\n{tabular.__doc__}",
                     {"license": spec.license, "task_categories": ["tabular-" + kind]},
                     lambda: tabular.rows(name)[1])


GENERATORS: dict[str, Generator] = {
    "stdlib-text": _stdlib("Held-out standard library functions",
                           "Whole functions from held-out files, for perplexity and bits per byte.",
                           lambda held: stdlib.text_rows(held, 64)),
    "stdlib-next-line": _stdlib("Next line of a standard library function, four choices",
                                "A function cut after a line; pick its true next line among lines of other "
                                "functions with the same indentation.",
                                lambda held: stdlib.next_line_rows(held, 200 if held else 50, with_choices=True)),
    "stdlib-complete-line": _stdlib("Complete the next line of a standard library function",
                                    "A function cut after a line; write its next line.",
                                    lambda held: stdlib.next_line_rows(held, 100 if held else 50, with_choices=False)),
    "stdlib-docstring-similarity": _stdlib("Docstring summary and function name similarity",
                                           "Pairs of a docstring's first paragraph and a function name as words, "
                                           "scored 1 (its own), 0.5 (same file) or 0 (another file).",
                                           lambda held: stdlib.similarity_rows(held, 100)),
    "stdlib-docstring-search": _stdlib("Find a function by its docstring",
                                       "Queries are docstring summaries; documents are function names as words.",
                                       lambda held: stdlib.retrieval_rows(held, 150)),
    **{name: _bundled(name) for name in tabular.BUNDLED},
}


def dataset_files(generator: Generator) -> dict[str, bytes]:
    """The repo content: one JSON Lines file per split and a README card."""
    splits = generator.splits()
    files = {f"data/{split}.jsonl": "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
             for split, rows in splits.items()}
    front = {**generator.card, "pretty_name": generator.title, "tags": ["aicommons-builtin", "evaluation"],
             "configs": [{"config_name": "default",
                          "data_files": [{"split": split, "path": f"data/{split}.jsonl"} for split in splits]}]}
    counts = "\n".join(f"- `{split}`: {len(rows)} rows" for split, rows in splits.items())
    card = (f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n\n# {generator.title}\n\n"
            f"Made by AI Commons on this hub, offline, from data every machine has.\n\n{counts}\n\n"
            f"{generator.description}\n")
    files["README.md"] = card.encode()
    return files


def is_installed(hub: Hub, repo_id: str, revision: str) -> bool:
    repo = find_repo(hub, RepoType.DATASET, repo_id)
    if repo is None:
        return False
    try:
        with hub.db.read() as session:
            revisions.resolve(session, repo.id, revision)
    except RevisionNotFound:
        return False
    return True


def install(hub: Hub, name: str, repo_id: str | None = None, revision: str = "v1") -> str:
    """Create (or complete) the dataset repo of a built-in generator; returns the pinned commit id."""
    generator = GENERATORS.get(name)
    if generator is None:
        raise NotFound(f"No built-in evaluation data set named {name!r} (known: {', '.join(GENERATORS)})")
    repo_id = repo_id or f"{NAMESPACE}/{name}"
    repo = find_repo(hub, RepoType.DATASET, repo_id)
    if repo is not None and is_installed(hub, repo_id, revision):
        with hub.db.read() as session:
            return revisions.resolve(session, repo.id, revision).commit_oid
    if repo is None:
        try:
            repo = create_repo(hub, _system_principal(hub, repo_id.split("/")[0]), RepoType.DATASET, repo_id)
        except Conflict:  # another process installs it at the same moment
            repo = find_repo(hub, RepoType.DATASET, repo_id)
    files = dataset_files(generator)
    result = commit(hub, repo, [AddFile(path, content) for path, content in files.items()], author=SYSTEM,
                    message=f"Built-in evaluation data: {generator.title}")
    try:
        return create_tag(hub, repo, revision, result.oid, message=f"pinned by the {name} evaluation task")
    except Conflict:
        with hub.db.read() as session:
            return revisions.resolve(session, repo.id, revision).commit_oid


def _system_principal(hub: Hub, namespace: str) -> Principal:
    """The hub itself, acting in the namespace that holds built-in data (created without a password)."""
    with hub.db.write() as session:
        account = get_account(session, namespace) or create_user(session, namespace, None,
                                                                 fullname="AI Commons built-in data")
        return Principal(user_id=account.id, name=account.name, is_admin=True)
