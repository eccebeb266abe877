"""What every repo page needs: the repo (404 when hidden), its refs, the viewer's rights, the header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fastapi import Request

from aicommons.accounts.access import can_admin, can_write
from aicommons.accounts.principal import Principal
from aicommons.community import likes
from aicommons.hub import Hub
from aicommons.repos import manage, reading
from aicommons.repos.names import RepoType
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.storage.tables import Repo
from aicommons.web import urls
from aicommons.web.routing import viewer


@dataclass(frozen=True)
class RefNames:
    branches: list[str]
    tags: list[str]
    pull_requests: list[str]

    @property
    def all(self) -> list[str]:
        return self.branches + self.tags + self.pull_requests


@dataclass
class RepoPage:
    hub: Hub
    principal: Principal
    repo: Repo
    refs: RefNames

    @property
    def repo_type(self) -> str:
        return self.repo.type

    @property
    def can_write(self) -> bool:
        return can_write(self.principal, self.repo)

    @property
    def can_admin(self) -> bool:
        return can_admin(self.principal, self.repo)

    @property
    def can_propose(self) -> bool:
        """Signed in without write rights: changes to the default branch become pull requests."""
        return not self.principal.anonymous and not self.can_write

    @property
    def liked(self) -> bool:
        return likes.likes(self.hub, self.principal, self.repo)

    def is_branch(self, rev: str) -> bool:
        return rev in self.refs.branches or rev in self.refs.pull_requests

    def split_rev_path(self, rest: str) -> tuple[str, str]:
        """'feature/x/data/train.csv' -> ('feature/x', 'data/train.csv') when a branch feature/x exists.

        Branch and tag names may hold '/', so the longest leading run of segments that names a ref wins;
        otherwise the first segment is the revision (a commit id, or a name the core will reject).
        """
        parts = rest.strip("/").split("/")
        known = set(self.refs.all)
        for cut in range(len(parts), 0, -1):
            candidate = "/".join(parts[:cut])
            if candidate in known:
                return candidate, "/".join(parts[cut:])
        return parts[0] or DEFAULT_BRANCH, "/".join(parts[1:])

    def context(self, tab: str, rev: str, switch_url: Callable[[str], str], **extra) -> dict:
        """The template context every repo tab shares (header, tabs, branch and tag switcher)."""
        return {"page": self, "repo": self.repo, "repo_type": self.repo_type, "tab": tab, "rev": rev,
                "switch_url": switch_url, "base_url": urls.repo_base(self.repo_type, self.repo.repo_id), **extra}


def open_repo(request: Request, repo_type: RepoType, namespace: str, name: str) -> RepoPage:
    hub: Hub = request.app.state.hub
    principal = viewer(request)
    repo = manage.visible_repo(hub, principal, repo_type, f"{namespace}/{name}")
    refs = reading.list_refs(hub, repo)
    names = RefNames(
        branches=sorted((r.name.removeprefix("refs/heads/") for r in refs if r.name.startswith("refs/heads/")),
                        key=lambda n: (n != DEFAULT_BRANCH, n)),
        tags=sorted(r.name.removeprefix("refs/tags/") for r in refs if r.name.startswith("refs/tags/")),
        pull_requests=sorted((r.name for r in refs if r.name.startswith("refs/pr/")),
                             key=lambda n: int(n.rsplit("/", 1)[1])),
    )
    return RepoPage(hub, principal, repo, names)
