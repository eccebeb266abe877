"""The one write path. Every change to a repo's files goes through ``commit``.

It validates the operations, stores new content as verified blobs, then in one transaction writes
the tree, the commit and moves the ref by compare-and-swap, and finally runs the post-commit hooks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicommons.errors import Conflict, EntryNotFound, InvalidInput, RevisionNotFound, StaleParent
from aicommons.hub import CommitEvent, Hub, PullRequestStart
from aicommons.repos import revisions
from aicommons.repos.lfs_rules import lfs_patterns, should_use_lfs
from aicommons.repos.names import check_path
from aicommons.repos.objects import Commit, FileEntry, Signature, build_tree_nodes, git_blob_id, utcnow
from aicommons.storage.blobs import StoredBlob
from aicommons.storage.tables import Blob, CommitRow, Ref, Repo, RepoBlob

MAX_OPERATIONS = 100_000
MAX_MESSAGE_CHARS = 65_536
CAS_ATTEMPTS = 50


@dataclass(frozen=True)
class AddFile:
    """Add or replace a file from bytes. ``lfs=None`` lets the repo's rules decide."""

    path: str
    content: bytes
    lfs: bool | None = None


@dataclass(frozen=True)
class AddBlob:
    """Add or replace a file whose content is already stored (an LFS upload). ``size`` is checked when given."""

    path: str
    sha256: str
    size: int | None = None
    lfs: bool = True


@dataclass(frozen=True)
class DeleteFile:
    path: str


@dataclass(frozen=True)
class DeleteFolder:
    path: str


Operation = AddFile | AddBlob | DeleteFile | DeleteFolder


@dataclass(frozen=True)
class CommitResult:
    oid: str
    ref: str
    parent: str | None
    pr_number: int | None = None


def commit(
    hub: Hub,
    repo: Repo,
    operations: list[Operation],
    *,
    author: Signature,
    message: str,
    revision: str = revisions.DEFAULT_BRANCH,
    parent_commit: str | None = None,
    create_pr: bool = False,
) -> CommitResult:
    _validate(operations, message)
    for check in hub.commit_checks:
        check(hub, repo, operations)
    staged = _store_new_content(hub, operations)
    for attempt in range(CAS_ATTEMPTS):
        try:
            with hub.db.write() as session:
                result = _write(hub, session, repo, operations, staged, author, message, revision, parent_commit,
                                create_pr)
            break
        except _RefMoved:
            continue  # another writer won the race: rebuild our change on top of theirs
        except IntegrityError:
            if attempt == CAS_ATTEMPTS - 1:
                raise
    else:
        raise StaleParent(f"{revision} kept moving; try again")
    hub.run_post_commit(CommitEvent(repo.id, repo.type, repo.repo_id, result.ref, result.oid, result.parent,
                                    repo.private))
    return result


class _RefMoved(Exception):
    pass


def _validate(operations: list[Operation], message: str) -> None:
    if len(operations) > MAX_OPERATIONS:
        raise InvalidInput("operations", f"too many operations ({len(operations)} > {MAX_OPERATIONS})")
    if not message.strip():
        raise InvalidInput("message", "a commit needs a message (summary)")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidInput("message", f"commit message longer than {MAX_MESSAGE_CHARS} characters")
    for op in operations:
        if isinstance(op, DeleteFolder):
            path = op.path.rstrip("/")
            if path:  # an empty folder path means the whole repo
                check_path(path)
        else:
            check_path(op.path)
        if isinstance(op, AddBlob) and (len(op.sha256) != 64 or any(c not in "0123456789abcdef" for c in op.sha256)):
            raise InvalidInput("oid", f"invalid sha256 {op.sha256!r} for {op.path!r}")


def _store_new_content(hub: Hub, operations: list[Operation]) -> dict[str, tuple[str, int, str]]:
    """Write inline content as blobs before the transaction; returns path -> (sha256, size, git oid)."""
    staged = {}
    for op in operations:
        if isinstance(op, AddFile):
            if len(op.content) > hub.settings.max_regular_file_bytes and op.lfs is False:
                raise InvalidInput("content", f"{op.path}: inline file larger than "
                                   f"{hub.settings.max_regular_file_bytes} bytes; upload it as an LFS file")
            blob = hub.blobs.ingest_bytes(op.content)
            staged[op.path] = (blob.sha256, blob.size, blob.git_oid)
    return staged


def _write(hub, session: Session, repo: Repo, operations, staged, author, message, revision, parent_commit,
           create_pr) -> CommitResult:
    ref = revisions.branch_ref(revision)
    if ref is None:
        raise RevisionNotFound(f"Cannot commit to {revision!r}: only branches and pull requests accept commits")
    current = revisions.head(session, repo.id, ref)
    if current is None:
        raise RevisionNotFound(f"Invalid rev id: {revision}")
    base = current
    if parent_commit:
        base = revisions.resolve(session, repo.id, parent_commit).commit_oid
        if base != current and not create_pr:
            raise StaleParent(f"A commit has happened since {parent_commit}; {revision} is now at {current}")
    base_row = session.get(CommitRow, (repo.id, base))
    files = dict(hub.trees.flatten(session, base_row.tree_oid))
    _apply(hub, session, repo, files, operations, staged)

    root_oid, nodes = build_tree_nodes(files)
    new = Commit(root_oid, (base,), author, message, utcnow())
    oid = new.oid
    hub.trees.store_nodes(session, nodes)
    if session.get(CommitRow, (repo.id, oid)) is None:
        session.add(CommitRow(repo_id=repo.id, oid=oid, tree_oid=root_oid, parents=[base], author_name=author.name,
                              author_email=author.email, message=message, created_at=new.created_at))
    _grant_blobs(hub, session, repo.id, operations, staged)
    pr_number = None
    if create_pr:
        if hub.pull_request_opener is None:
            raise InvalidInput("create_pr", "pull requests are not enabled on this hub")
        pr_number = hub.pull_request_opener(session, repo, PullRequestStart(ref, base, oid, author, message))
        ref = f"refs/pr/{pr_number}"
        session.add(Ref(repo_id=repo.id, name=ref, commit_oid=oid))
    else:
        moved = session.execute(
            update(Ref).where(Ref.repo_id == repo.id, Ref.name == ref, Ref.commit_oid == current).values(commit_oid=oid)
        ).rowcount
        if moved != 1:
            raise _RefMoved()
    session.execute(update(Repo).where(Repo.id == repo.id).values(updated_at=new.created_at))
    return CommitResult(oid, ref, base, pr_number)


def _apply(hub: Hub, session: Session, repo: Repo, files: dict[str, FileEntry], operations, staged) -> None:
    patterns = lfs_patterns(_gitattributes(hub, files, operations))
    for op in operations:
        if isinstance(op, AddFile):
            sha256, size, git_oid = staged[op.path]
            lfs = op.lfs if op.lfs is not None else should_use_lfs(op.path, size, op.content[:512], patterns)
            files[op.path] = FileEntry.lfs_file(sha256, size) if lfs else FileEntry(sha256, size, git_oid, False)
        elif isinstance(op, AddBlob):
            files[op.path] = _entry_for_stored_blob(hub, session, repo, op)
        elif isinstance(op, DeleteFile):
            if files.pop(op.path, None) is None:
                raise EntryNotFound(f"A file with this name doesn't exist: {op.path}")
        else:
            prefix = op.path.rstrip("/") + "/" if op.path.rstrip("/") else ""
            doomed = [path for path in files if path.startswith(prefix)]
            if not doomed:
                raise EntryNotFound(f"A folder with this name doesn't exist: {op.path}")
            for path in doomed:
                del files[path]
    _check_no_file_folder_clash(files)


def _gitattributes(hub: Hub, files: dict[str, FileEntry], operations) -> bytes | None:
    """The .gitattributes this commit will have: its LFS patterns decide how new files are stored."""
    for op in reversed(operations):
        if op.path == ".gitattributes" and isinstance(op, AddFile):
            return op.content
    entry = files.get(".gitattributes")
    return hub.blobs.read(entry.sha256) if entry and entry.size < 1024 * 1024 else None


def _entry_for_stored_blob(hub: Hub, session: Session, repo: Repo, op: AddBlob) -> FileEntry:
    blob = session.get(Blob, op.sha256)
    held = session.get(RepoBlob, (repo.id, op.sha256)) is not None
    if blob is None or not held:
        raise InvalidInput("oid", f"{op.path}: LFS object {op.sha256} was not uploaded to this repo")
    if op.size is not None and op.size != blob.size:
        raise InvalidInput("size", f"{op.path}: size {op.size} does not match the uploaded object's {blob.size}")
    if op.lfs:
        return FileEntry.lfs_file(blob.sha256, blob.size)
    return FileEntry(blob.sha256, blob.size, blob.git_oid or git_blob_id(hub.blobs.read(blob.sha256)), False)


def _check_no_file_folder_clash(files: dict[str, FileEntry]) -> None:
    folders = {path.rsplit("/", 1)[0] for path in files if "/" in path}
    expanded = set()
    for folder in folders:
        while folder and folder not in expanded:
            expanded.add(folder)
            folder = folder.rpartition("/")[0]
    clash = expanded & files.keys()
    if clash:
        path = sorted(clash)[0]
        raise InvalidInput("path", f"{path!r} cannot be both a file and a folder")


def _grant_blobs(hub: Hub, session: Session, repo_pk: int, operations, staged) -> None:
    for op in operations:
        if isinstance(op, AddFile):
            sha256, size, git_oid = staged[op.path]
            if grant_blob(session, repo_pk, sha256, size, git_oid) and not hub.blobs.exists(sha256):
                hub.blobs.ingest_bytes(op.content)  # collected as an old orphan after it was staged: store again


def grant_blob(session: Session, repo_pk: int, sha256: str, size: int, git_oid: str | None) -> bool:
    """Record a stored blob and make it one this repo may refer to (after an upload to it).

    Granting again restarts garbage collection's grace period. Returns whether the blob was recorded anew:
    only then can its content have been collected since it was stored (collection drops record and content
    together), so only then is it worth checking that the content is still there."""
    blob = session.get(Blob, sha256)
    if blob is not None:
        blob.created_at = utcnow()
    else:
        session.add(Blob(sha256=sha256, size=size, git_oid=git_oid, created_at=utcnow()))
        session.flush()
    if session.get(RepoBlob, (repo_pk, sha256)) is None:
        session.add(RepoBlob(repo_id=repo_pk, sha256=sha256))
    return blob is None


def record_upload(hub: Hub, repo_pk: int, blob: StoredBlob) -> None:
    """Grant a blob an upload has just stored. If garbage collection removed that content between the upload
    storing it and this grant (an old orphan that happened to be sent again), the upload must be repeated."""
    with hub.db.write() as session:
        anew = grant_blob(session, repo_pk, blob.sha256, blob.size, blob.git_oid)
    if anew and not hub.blobs.exists(blob.sha256):
        raise Conflict(f"content {blob.sha256} was garbage-collected while it was being uploaded; upload it again")
