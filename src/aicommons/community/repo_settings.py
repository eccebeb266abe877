"""A repo's settings (visibility, gating, discussions off) and moves, with the redirects a move leaves.

Redirects live here and nowhere else: ``redirect_target`` answers "where did this id go?", and the
HTTP layer asks it only after a lookup found nothing (so an id in use always means the repo holding it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from aicommons.accounts.access import can_read, check_admin, may_manage_account
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.community import webhooks
from aicommons.community.common import community_row
from aicommons.community.gating import set_gate_mode
from aicommons.community.tables import RepoRedirect
from aicommons.errors import Conflict, Forbidden, InvalidInput, NotFound
from aicommons.hub import Hub
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType, split_repo_id
from aicommons.repos.objects import utcnow
from aicommons.storage.tables import Repo

UNCHANGED = object()


@dataclass(frozen=True)
class RepoSettings:
    private: bool
    gated: str | None
    discussions_disabled: bool


def update_settings(hub: Hub, principal: Principal, repo: Repo, *, private: bool | None = None, gated=UNCHANGED,
                    discussions_disabled: bool | None = None) -> RepoSettings:
    """Change what is given (``gated``: False or None to open the files, 'auto' or 'manual'); admins only."""
    check_admin(principal, repo, repo.repo_id)
    for name, value in (("private", private), ("discussionsDisabled", discussions_disabled)):
        if value is not None and not isinstance(value, bool):
            raise InvalidInput(name, f"'{name}' must be true or false")
    with hub.db.write() as session:
        row = community_row(session, repo.id, lock=True)
        stored = session.get(Repo, repo.id)
        was_private = stored.private
        if gated is not UNCHANGED:
            set_gate_mode(session, repo, None if gated is False else gated, row)
        if discussions_disabled is not None:
            row.discussions_disabled = discussions_disabled
        if private is not None:
            stored.private = private
        result = RepoSettings(stored.private, row.gated, row.discussions_disabled)
    repo.private = result.private
    changed = {"private": result.private} if result.private != was_private else {}
    webhooks.repo_event(hub, repo, "repo.config", "update", updatedConfig=changed)
    return result


def move_repo(hub: Hub, principal: Principal, repo_type: RepoType, from_id: str, to_id: str) -> Repo:
    """Rename a repo or move it to another namespace the caller may write to (never another user's).
    The old id keeps answering with a redirect until some repo takes that id again."""
    repo = check_admin(principal, find_repo(hub, repo_type, from_id), from_id)
    namespace, name = split_repo_id(to_id)
    before = Repo(id=repo.id, type=repo.type, namespace=repo.namespace, name=repo.name, owner_id=repo.owner_id,
                  private=repo.private)
    with hub.db.write() as session:
        target = get_account(session, namespace)
        if target is None:
            raise NotFound(f"No user or organisation named {namespace!r}")
        if target.kind == "user" and target.id != principal.user_id:
            raise Forbidden("A repo cannot be moved to another user's namespace")
        if not may_manage_account(principal, target.id):
            raise Forbidden(f"You cannot create repos in the namespace {namespace!r}")
        taken = session.scalar(select(Repo.id).where(Repo.type == repo.type, Repo.namespace == namespace,
                                                     Repo.name == name))
        if taken is not None:
            raise Conflict(f"A {repo.type} repository called {to_id} already exists")
        if (namespace, name) == (repo.namespace, repo.name):
            raise InvalidInput("toRepo", f"{to_id} is already this repo's id")
        session.execute(delete(RepoRedirect).where(RepoRedirect.type == repo.type, RepoRedirect.namespace == namespace,
                                                   RepoRedirect.name == name))
        old = session.get(RepoRedirect, (repo.type, repo.namespace, repo.name))
        if old is not None:
            session.delete(old)
            session.flush()
        session.add(RepoRedirect(type=repo.type, namespace=repo.namespace, name=repo.name, repo_id=repo.id,
                                 created_at=utcnow()))
        stored = session.get(Repo, repo.id)
        stored.namespace, stored.name, stored.owner_id = namespace, name, target.id
        stored.updated_at = utcnow()
    repo.namespace, repo.name, repo.owner_id = namespace, name, target.id
    webhooks.repo_event(hub, before, "repo", "move", movedTo={"name": to_id, "owner": {"id": str(target.id)}})
    return repo


def redirect_target(hub: Hub, principal: Principal, repo_type: RepoType | str, repo_id: str) -> Repo | None:
    """The repo that was known as ``repo_id`` and that the caller may see, if it moved; None otherwise."""
    namespace, _, name = repo_id.partition("/")
    with hub.db.read() as session:
        repo = session.scalar(select(Repo).join(RepoRedirect, RepoRedirect.repo_id == Repo.id).where(
            RepoRedirect.type == str(repo_type), RepoRedirect.namespace == namespace, RepoRedirect.name == name))
    return repo if repo is not None and can_read(principal, repo) else None
