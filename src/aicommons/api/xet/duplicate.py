"""``POST /api/{type}s/{source}/lfs-files/duplicate``: huggingface_hub's cross-repo copy of Xet files.

The client names files of the source repo by Xet hash and sha256; the hub lets the target repo refer to
them (no bytes move), and the commit that follows names them by sha256 as usual.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from aicommons.accounts.access import check_write
from aicommons.api.app import hub_of, principal_of
from aicommons.api.xet.tokens import REPO_KINDS
from aicommons.errors import InvalidInput, Unauthorized
from aicommons.repos.commit import grant_blob
from aicommons.repos.manage import find_repo, visible_repo
from aicommons.repos.names import RepoType
from aicommons.storage.tables import RepoBlob
from aicommons.xet.tables import XetFile

router = APIRouter(tags=["xet"])
MAX_FILES = 1000


@router.post("/api/{kind}/{namespace}/{name}/lfs-files/duplicate")
async def duplicate_lfs_files(request: Request, kind: str, namespace: str, name: str) -> dict:
    """Let another repo refer to Xet files of this one: ``{"target": {"type", "name"}, "files": [{"xetHash",
    "sha256", "filename"}]}`` answers ``{"failed": [{"sha256", "error"}]}``."""
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput("body", "request body must be JSON") from None
    return await run_in_threadpool(_duplicate, request, kind, f"{namespace}/{name}", body)


def _duplicate(request: Request, kind: str, source_id: str, body) -> dict:
    hub = hub_of(request)
    principal = principal_of(request)
    if principal.anonymous:
        raise Unauthorized("Sign in to copy files into a repo")
    if kind not in REPO_KINDS:
        raise InvalidInput("repo_type", f"unknown repo type {kind!r}; use models or datasets")
    target, files = _parse(body)
    source = visible_repo(hub, principal, REPO_KINDS[kind], source_id)
    target_type = RepoType.parse(target.get("type"))
    destination = check_write(principal, find_repo(hub, target_type, target["name"]), target["name"])
    failed = []
    with hub.db.write() as session:
        for item in files:
            sha256, xet_hash = item.get("sha256"), item.get("xetHash")
            row = session.get(XetFile, xet_hash) if isinstance(xet_hash, str) else None
            if row is None or row.sha256 != sha256 or session.get(RepoBlob, (source.id, sha256)) is None:
                failed.append({"sha256": sha256, "error": f"{item.get('filename')!r} is not a Xet file of {source_id}"})
                continue
            grant_blob(session, destination.id, row.sha256, row.size, None)
    return {"failed": failed}


def _parse(body) -> tuple[dict, list[dict]]:
    target = body.get("target") if isinstance(body, dict) else None
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(target, dict) or not isinstance(target.get("name"), str):
        raise InvalidInput("target", "'target' must be an object with the destination repo's 'type' and 'name'")
    if not isinstance(files, list) or len(files) > MAX_FILES or not all(isinstance(f, dict) for f in files):
        raise InvalidInput("files", f"'files' must be a list of at most {MAX_FILES} objects")
    return target, files
