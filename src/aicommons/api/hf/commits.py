"""Writing: ``preupload`` (which files go as LFS, which are unchanged or ignored) and the NDJSON ``commit``.

Both end in the one write path, ``aicommons.repos.commit.commit``.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of
from aicommons.api.errors import error_response
from aicommons.api.hf.context import author_of, json_body, query_flag, writable_repo
from aicommons.api.hf.gitignore import is_ignored, parse_gitignore
from aicommons.api.hf.ndjson import parse_commit_payload
from aicommons.api.hf.urls import repo_type_of, repo_url, revision_of, route_tail
from aicommons.errors import InvalidInput
from aicommons.repos.commit import commit
from aicommons.repos.lfs_rules import lfs_patterns, should_use_lfs
from aicommons.repos.names import check_path
from aicommons.repos.reading import read_text, snapshot

router = APIRouter(tags=["huggingface"])

# inline (regular) content rides in the commit body; large files go through LFS, so this bounds memory
MAX_COMMIT_BODY = 512 * 1024 * 1024
MAX_PREUPLOAD_FILES = 1000


@router.post("/api/{kind:repokind}/{namespace}/{name}/commit/{rest:path}",
             summary="Commit (NDJSON: a header line, then file / lfsFile / deletedFile / deletedFolder lines)")
async def post_commit(kind: str, namespace: str, name: str, request: Request):
    # access first, so nobody without write access can make us read a large body
    await run_in_threadpool(writable_repo, request, repo_type_of(kind), namespace, name)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_COMMIT_BODY:
            return error_response(413, f"Commit payload larger than {MAX_COMMIT_BODY} bytes: "
                                       "upload large files through LFS (preupload answers 'lfs' for them)")
    return await run_in_threadpool(_commit, request, kind, namespace, name, bytes(body))


def _commit(request: Request, kind: str, namespace: str, name: str, body: bytes) -> dict:
    hub = hub_of(request)
    repo_type = repo_type_of(kind)
    repo, principal = writable_repo(request, repo_type, namespace, name)
    payload = parse_commit_payload(body)
    result = commit(hub, repo, payload.operations, author=author_of(hub, principal), message=payload.message,
                    revision=revision_of(route_tail(request)), parent_commit=payload.parent_commit,
                    create_pr=query_flag(request, "create_pr"))
    base = repo_url(request, repo_type, repo.repo_id)
    answer = {"success": True, "commitUrl": f"{base}/commit/{result.oid}", "commitOid": result.oid}
    if result.pr_number is not None:
        answer["pullRequestUrl"] = f"{base}/discussions/{result.pr_number}"
    return answer


@router.post("/api/{kind:repokind}/{namespace}/{name}/preupload/{rest:path}",
             summary="Upload modes: which files to send as LFS, which are unchanged, which are ignored")
async def preupload(kind: str, namespace: str, name: str, request: Request) -> dict:
    data = await json_body(request)
    return await run_in_threadpool(_preupload, request, kind, namespace, name, data)


def _preupload(request: Request, kind: str, namespace: str, name: str, data: dict) -> dict:
    hub = hub_of(request)
    repo, _ = writable_repo(request, repo_type_of(kind), namespace, name)
    snap = snapshot(hub, repo, revision_of(route_tail(request)))
    files = data.get("files")
    if not isinstance(files, list) or len(files) > MAX_PREUPLOAD_FILES:
        raise InvalidInput("files", f"'files' must be a list of at most {MAX_PREUPLOAD_FILES} entries")
    patterns = lfs_patterns((read_text(hub, snap, ".gitattributes") or "").encode())
    ignore_text = data.get("gitIgnore")
    rules = parse_gitignore(ignore_text if isinstance(ignore_text, str) else read_text(hub, snap, ".gitignore") or "")
    answers = []
    for item in files:
        path, size, sample = _preupload_item(item)
        answer = {"path": path, "uploadMode": "lfs" if should_use_lfs(path, size, sample, patterns) else "regular",
                  "shouldIgnore": is_ignored(rules, path)}
        existing = snap.files.get(path)
        if existing is not None:
            # the client skips a file whose local oid equals this one (sha256 for LFS, git blob id otherwise)
            answer["oid"] = existing.sha256 if existing.lfs else existing.git_oid
        answers.append(answer)
    return {"files": answers, "commitOid": snap.commit_oid}


def _preupload_item(item) -> tuple[str, int, bytes]:
    if not isinstance(item, dict):
        raise InvalidInput("files", "each file must be an object with 'path', 'size' and 'sample'")
    path, size, sample = item.get("path"), item.get("size"), item.get("sample", "")
    check_path(path)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidInput("size", f"{path}: 'size' must be a non-negative integer")
    try:
        return path, size, base64.b64decode(sample or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput("sample", f"{path}: 'sample' must be base64") from None
