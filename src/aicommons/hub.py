"""The hub's composition root: settings, metadata store, blob store, tree cache and post-commit hooks.

Adapters (HTTP API, pages, CLI) receive one Hub and call the core with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from aicommons.jobs.queue import JobQueue
from aicommons.settings import Settings
from aicommons.storage.blobs import BlobStore
from aicommons.storage.database import Database
from aicommons.storage.objects import open_store
from aicommons.repos.trees import TreeReader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommitEvent:
    """What post-commit work needs to know about a new commit."""

    repo_pk: int
    repo_type: str
    repo_id: str
    ref: str
    commit_oid: str
    parent_oid: str | None
    private: bool


@dataclass(frozen=True)
class PullRequestStart:
    """A commit made with ``create_pr``: it opens a pull request against ``base_ref`` (a branch)."""

    base_ref: str
    start_oid: str  # the commit the pull request starts from
    commit_oid: str  # its first commit
    author: object  # repos.objects.Signature
    message: str


PostCommitHook = Callable[["Hub", CommitEvent], None]
# runs after a repo was created or deleted: (hub, repo, "create" or "delete"); like post-commit hooks, never undoes it
RepoHook = Callable[["Hub", object, str], None]
# runs before anything is stored; raises InvalidInput to reject the commit (e.g. a card with bad YAML)
CommitCheck = Callable[["Hub", object, list], None]


@dataclass(frozen=True)
class DownloadRequest:
    """The file a download asks for, and whether the caller explicitly accepted a file rated dangerous.

    Xet names files by content only (no path), and a Xet read token covers every file of the repo
    (no path, no sha256): rules treat an unknown path as any file but the card."""

    path: str | None
    sha256: str | None
    accept_unsafe: bool = False


# runs before a file's content is served (repo already visible to the caller): (hub, principal, repo, download);
# raises GatedRepo, Forbidden... to refuse
DownloadCheck = Callable[["Hub", object, object, DownloadRequest], None]
# opens the pull request of a ``create_pr`` commit inside the commit's transaction (session, repo, start) and
# returns its number; discussions and pull requests share that numbering, so the community feature provides it
PullRequestOpener = Callable[[object, object, PullRequestStart], int]


class Hub:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database(settings.database_url)
        self.blobs = BlobStore(open_store(settings.storage_url), settings.data_dir / "tmp")
        self.trees = TreeReader()
        self.post_commit_hooks: list[PostCommitHook] = []
        self.repo_hooks: list[RepoHook] = []
        self.commit_checks: list[CommitCheck] = []
        self.pull_request_opener: PullRequestOpener | None = None
        self.download_checks: list[DownloadCheck] = []
        self.jobs = JobQueue(self)

    @classmethod
    def open(cls, settings: Settings | None = None) -> "Hub":
        hub = cls(settings or Settings.from_env())
        hub.db.migrate()
        return hub

    def on_commit(self, hook: PostCommitHook) -> PostCommitHook:
        self.post_commit_hooks.append(hook)
        return hook

    def run_post_commit(self, event: CommitEvent) -> None:
        self._run_hooks(self.post_commit_hooks, event, what=f"{event.repo_id}@{event.commit_oid}")

    def run_repo_hooks(self, repo, action: str) -> None:
        self._run_hooks(self.repo_hooks, repo, action, what=f"{action} {repo.repo_id}")

    def _run_hooks(self, hooks: list, *args, what: str) -> None:
        # hooks follow a change that stands: a failing hook is logged, the change is not undone
        for hook in hooks:
            try:
                hook(self, *args)
            except Exception:
                log.exception("hook %s failed for %s", hook.__name__, what)

    def check_download(self, principal, repo, download: DownloadRequest) -> None:
        """Let every registered rule (gated access, dangerous files) refuse to serve a file of this repo."""
        for check in self.download_checks:
            check(self, principal, repo, download)

    def close(self) -> None:
        self.jobs.stop_thread()
        self.db.dispose()
