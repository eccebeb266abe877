"""Naming commits: branches, tags, pull-request refs, full or short commit ids."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from aicommons.errors import RevisionNotFound
from aicommons.storage.tables import CommitRow, Ref

HEX = re.compile(r"^[0-9a-f]{7,40}$")
PR_REF = re.compile(r"^refs/pr/(\d+)$")
DEFAULT_BRANCH = "main"


@dataclass(frozen=True)
class Resolved:
    commit_oid: str
    ref: str | None  # full ref name, when the revision named one


def ref_candidates(revision: str) -> list[str]:
    if revision.startswith("refs/"):
        return [revision]
    return [f"refs/heads/{revision}", f"refs/tags/{revision}"]


def branch_ref(revision: str) -> str | None:
    """The ref a commit to ``revision`` moves: a branch or a pull request, never a tag or a commit id."""
    if revision.startswith("refs/heads/") or PR_REF.match(revision):
        return revision
    if revision.startswith("refs/"):
        return None
    return f"refs/heads/{revision}"


def resolve(session: Session, repo_pk: int, revision: str | None) -> Resolved:
    revision = revision or DEFAULT_BRANCH
    refs = {r.name: r.commit_oid for r in session.scalars(
        select(Ref).where(Ref.repo_id == repo_pk, Ref.name.in_(ref_candidates(revision)))
    )}
    for name in ref_candidates(revision):
        if name in refs:
            return Resolved(refs[name], name)
    if HEX.match(revision):
        oids = session.scalars(
            select(CommitRow.oid).where(CommitRow.repo_id == repo_pk, CommitRow.oid.startswith(revision)).limit(2)
        ).all()
        if len(oids) == 1:
            return Resolved(oids[0], None)
    raise RevisionNotFound(f"Invalid rev id: {revision}")


def head(session: Session, repo_pk: int, ref: str) -> str | None:
    row = session.get(Ref, (repo_pk, ref))
    return row.commit_oid if row else None

