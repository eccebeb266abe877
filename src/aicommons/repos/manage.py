"""Creating, finding and deleting repos, and their branches and tags."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from aicommons.accounts.access import check_read, may_manage_account
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.errors import Conflict, Forbidden, InvalidInput, RevisionNotFound
from aicommons.hub import Hub
from aicommons.repos import revisions
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.lfs_rules import default_gitattributes
from aicommons.repos.names import RepoType, check_ref_name, split_repo_id
from aicommons.repos.objects import EMPTY_TREE_OID, Commit, Signature, utcnow
from aicommons.storage.tables import CommitRow, Ref, Repo

SYSTEM = Signature("AI Commons", "hub@aicommons.local")


def find_repo(hub: Hub, repo_type: RepoType | str, repo_id: str) -> Repo | None:
    namespace, _, name = repo_id.partition("/")
    with hub.db.read() as session:
        return session.scalar(
            select(Repo).where(Repo.type == str(repo_type), Repo.namespace == namespace, Repo.name == name)
        )


def visible_repo(hub: Hub, principal: Principal, repo_type: RepoType | str, repo_id: str) -> Repo:
    """The repo, or RepoNotFound when it does not exist or this principal may not see it."""
    return check_read(principal, find_repo(hub, repo_type, repo_id), repo_id)


def create_repo(hub: Hub, principal: Principal, repo_type: RepoType, repo_id: str, *, private: bool = False) -> Repo:
    namespace, name = split_repo_id(repo_id)
    if principal.anonymous:
        raise Forbidden("Sign in to create a repo")
    with hub.db.write() as session:
        owner = get_account(session, namespace)
        if owner is None or not may_manage_account(principal, owner.id):
            raise Forbidden(f"You cannot create repos in the namespace {namespace!r}")
        existing = session.scalar(
            select(Repo).where(Repo.type == str(repo_type), Repo.namespace == namespace, Repo.name == name)
        )
        if existing is not None:
            raise Conflict(f"You already created this {repo_type} repo: {repo_id}")
        now = utcnow()
        repo = Repo(type=str(repo_type), namespace=namespace, name=name, owner_id=owner.id, private=private,
                    created_at=now, updated_at=now)
        session.add(repo)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"You already created this {repo_type} repo: {repo_id}") from None
        # the root commit holds an empty tree, so every later commit goes through the one write path
        root = Commit(EMPTY_TREE_OID, (), SYSTEM, "initial commit", now)
        session.add(CommitRow(repo_id=repo.id, oid=root.oid, tree_oid=EMPTY_TREE_OID, parents=[],
                              author_name=SYSTEM.name, author_email=SYSTEM.email, message=root.message,
                              created_at=now))
        session.add(Ref(repo_id=repo.id, name=f"refs/heads/{revisions.DEFAULT_BRANCH}", commit_oid=root.oid))
    hub.run_repo_hooks(repo, "create")
    commit(hub, repo, [AddFile(".gitattributes", default_gitattributes(), lfs=False)], author=SYSTEM,
           message="Add .gitattributes")
    return repo


def delete_repo(hub: Hub, repo: Repo) -> None:
    with hub.db.write() as session:
        session.execute(delete(Repo).where(Repo.id == repo.id))
    hub.run_repo_hooks(repo, "delete")


def set_private(hub: Hub, repo: Repo, private: bool) -> None:
    with hub.db.write() as session:
        session.get(Repo, repo.id).private = private
    repo.private = private


def create_branch(hub: Hub, repo: Repo, branch: str, starting_point: str | None = None) -> str:
    check_ref_name(branch, "branch")
    return _create_ref(hub, repo, f"refs/heads/{branch}", starting_point, f"Branch {branch} already exists")


def create_tag(hub: Hub, repo: Repo, tag: str, revision: str | None = None, message: str | None = None) -> str:
    check_ref_name(tag, "tag")
    return _create_ref(hub, repo, f"refs/tags/{tag}", revision, f"Tag {tag} already exists", message)


def _create_ref(hub: Hub, repo: Repo, ref: str, revision: str | None, exists: str, message: str | None = None) -> str:
    try:
        with hub.db.write() as session:
            if session.get(Ref, (repo.id, ref)) is not None:
                raise Conflict(exists)
            oid = revisions.resolve(session, repo.id, revision).commit_oid
            session.add(Ref(repo_id=repo.id, name=ref, commit_oid=oid, message=message))
    except IntegrityError:
        raise Conflict(exists) from None
    return oid


def delete_ref(hub: Hub, repo: Repo, ref: str) -> None:
    if ref == f"refs/heads/{revisions.DEFAULT_BRANCH}":
        raise InvalidInput("branch", "the main branch cannot be deleted")
    with hub.db.write() as session:
        row = session.get(Ref, (repo.id, ref))
        if row is None:
            raise RevisionNotFound(f"Invalid rev id: {ref.split('/', 2)[-1]}")
        session.delete(row)
