"""The Git LFS batch API for large files: ``basic`` single PUTs, ``multipart`` parts, and ``verify``.

The batch call (authenticated) answers each object with signed, short-lived URLs, because the client PUTs
content without its token. Content is hashed while it streams in and becomes a blob only when its sha256
and size match what was announced; the repo may then refer to it in a commit (``lfsFile`` lines).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of
from aicommons.api.hf.bodies import consume_body
from aicommons.api.hf.context import json_body, readable_repo, writable_repo
from aicommons.api.hf.signing import UPLOAD_URL_SECONDS, sign, verify
from aicommons.api.hf.urls import repo_url
from aicommons.errors import InvalidInput, NotFound, RepoNotFound
from aicommons.hub import Hub
from aicommons.repos.commit import record_upload
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from aicommons.storage.tables import Blob, Repo, RepoBlob

router = APIRouter(tags=["huggingface"])

LFS_MEDIA_TYPE = "application/vnd.git-lfs+json"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_BATCH_OBJECTS = 1000
# above this size an object is sent in parts, so a failure costs one part rather than the whole file
MULTIPART_THRESHOLD = 4 * 1024**3
PART_SIZE = 512 * 1024**2
PARTS_PREFIX = "lfs-parts"
READ_CHUNK = 4 * 1024 * 1024


def _lfs_route(method: str, suffix: str, summary: str):
    """Register one LFS endpoint for model repos and dataset repos (``/datasets/{ns}/{name}.git/...``)."""

    def register(endpoint):
        for prefix in ("/datasets", ""):
            router.add_api_route(f"{prefix}/{{namespace}}/{{name}}.git/info/lfs/objects{suffix}", endpoint,
                                 methods=[method], summary=summary, include_in_schema=prefix == "")
        return endpoint

    return register


def _repo_type(request: Request) -> RepoType:
    return RepoType.DATASET if request.scope["route"].path.startswith("/datasets/") else RepoType.MODEL


@_lfs_route("POST", "/batch", "Git LFS batch: where to upload each object")
async def batch(namespace: str, name: str, request: Request) -> Response:
    data = await json_body(request)
    answer = await run_in_threadpool(_batch, request, _repo_type(request), namespace, name, data)
    return JSONResponse(answer, media_type=LFS_MEDIA_TYPE)


def _batch(request: Request, repo_type: RepoType, namespace: str, name: str, data: dict) -> dict:
    if data.get("operation") != "upload":
        raise InvalidInput("operation", "only the 'upload' operation is supported; download files with /resolve")
    hub = hub_of(request)
    repo, _ = writable_repo(request, repo_type, namespace, name)
    objects = data.get("objects")
    if not isinstance(objects, list) or len(objects) > MAX_BATCH_OBJECTS:
        raise InvalidInput("objects", f"'objects' must be a list of at most {MAX_BATCH_OBJECTS} objects")
    transfers = data.get("transfers") or ["basic"]
    if "basic" not in transfers and "multipart" not in transfers:
        raise InvalidInput("transfers", "this hub offers the 'basic' and 'multipart' transfers")
    oids = [o.get("oid") for o in objects if isinstance(o, dict) and isinstance(o.get("oid"), str)]
    with hub.db.read() as session:
        held = dict(session.execute(
            select(Blob.sha256, Blob.size).join(RepoBlob, RepoBlob.sha256 == Blob.sha256)
            .where(RepoBlob.repo_id == repo.id, Blob.sha256.in_(oids))).all())
    base = f"{repo_url(request, repo_type, repo.repo_id)}.git/info/lfs/objects"
    answers, used_multipart = [], False
    for item in objects:
        answer = _object_answer(hub, repo, item, held, base, transfers)
        used_multipart |= "chunk_size" in answer.get("actions", {}).get("upload", {}).get("header", {})
        answers.append(answer)
    if used_multipart:
        _clean_stale_parts(hub)
    return {"transfer": "multipart" if used_multipart else "basic", "objects": answers, "hash_algo": "sha256"}


def _object_answer(hub: Hub, repo: Repo, item, held: dict[str, int], base: str, transfers: list) -> dict:
    oid = item.get("oid") if isinstance(item, dict) else None
    size = item.get("size") if isinstance(item, dict) else None
    answer = {"oid": oid if isinstance(oid, str) else "", "size": size if isinstance(size, int) else 0}
    if not isinstance(oid, str) or not SHA256.match(oid):
        return {**answer, "error": {"code": 422, "message": f"invalid oid {oid!r}: expected 64 lowercase hex digits"}}
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return {**answer, "error": {"code": 422, "message": f"invalid size {size!r} for {oid}"}}
    if size > hub.settings.max_file_bytes:
        return {**answer, "error": {"code": 422, "message": f"{oid}: {size} bytes is over this hub's limit of "
                                                           f"{hub.settings.max_file_bytes} bytes per file"}}
    if oid in held:
        if held[oid] != size:
            return {**answer, "error": {"code": 422, "message": f"{oid} is stored with size {held[oid]}, not {size}"}}
        return answer  # already stored for this repo: no actions, the client skips it
    if (size > MULTIPART_THRESHOLD and "multipart" in transfers) or "basic" not in transfers:
        part_size = min(PART_SIZE, max(size, 1))
        query = urlencode({"size": size, "part_size": part_size,
                           **sign(hub, "lfs-multipart", repo.id, oid, size, part_size)})
        parts = {str(n): f"{base}/{oid}/parts/{n}?{query}" for n in range(1, math.ceil(size / part_size) + 1)}
        upload = {"href": f"{base}/{oid}?{query}", "header": {"chunk_size": str(part_size), **parts}}
    else:
        upload = {"href": f"{base}/{oid}?{urlencode({'size': size, **sign(hub, 'lfs-put', repo.id, oid, size)})}"}
    return {**answer, "authenticated": True, "actions": {"upload": {**upload, "expires_in": UPLOAD_URL_SECONDS},
                                                          "verify": {"href": f"{base}/verify"}}}


@_lfs_route("POST", "/verify", "Git LFS verify: is the object stored for this repo?")
async def verify_object(namespace: str, name: str, request: Request) -> Response:
    data = await json_body(request)
    await run_in_threadpool(_verify, request, _repo_type(request), namespace, name, data)
    return JSONResponse({}, media_type=LFS_MEDIA_TYPE)


def _verify(request: Request, repo_type: RepoType, namespace: str, name: str, data: dict) -> None:
    hub = hub_of(request)
    repo = readable_repo(request, repo_type, namespace, name)
    oid, size = data.get("oid"), data.get("size")
    with hub.db.read() as session:
        blob = session.get(Blob, oid) if isinstance(oid, str) else None
        held = blob is not None and session.get(RepoBlob, (repo.id, oid)) is not None
    if not held:
        raise NotFound(f"LFS object {oid} was not uploaded to {repo.repo_id}")
    if blob.size != size:
        raise InvalidInput("size", f"LFS object {oid} has {blob.size} bytes, not {size}")


@_lfs_route("PUT", "/{oid}", "Upload an LFS object in one request (signed URL from the batch call)")
async def put_object(namespace: str, name: str, oid: str, request: Request, size: int,
                     expires: str | None = None, signature: str | None = None) -> Response:
    hub = hub_of(request)
    repo = await run_in_threadpool(_signed_repo, request, namespace, name, "lfs-put", oid, size, expires=expires,
                                   signature=signature)
    _check_content_length(request, size)
    blob = await consume_body(request, lambda chunks: hub.blobs.ingest(_exactly(chunks, size), expected_sha256=oid))
    await run_in_threadpool(record_upload, hub, repo.id, blob)
    return Response(status_code=200)


@_lfs_route("PUT", "/{oid}/parts/{part}", "Upload one part of a multipart LFS object")
async def put_part(namespace: str, name: str, oid: str, part: int, request: Request, size: int, part_size: int,
                   expires: str | None = None, signature: str | None = None) -> Response:
    hub = hub_of(request)
    repo = await run_in_threadpool(_signed_repo, request, namespace, name, "lfs-multipart", oid, size, part_size,
                                   expires=expires, signature=signature)
    count = math.ceil(size / part_size)
    if not 1 <= part <= count:
        raise InvalidInput("part", f"part {part} is out of range: this object has parts 1 to {count}")
    expected = min(part_size, size - (part - 1) * part_size)
    _check_content_length(request, expected)
    prefix = _parts_prefix(expires, repo.id, oid)
    etag = await consume_body(request, lambda chunks: _store_part(hub, prefix, part, chunks, expected))
    return Response(status_code=200, headers={"ETag": f'"{etag}"'})


@_lfs_route("POST", "/{oid}", "Complete a multipart LFS upload: assemble and verify the parts")
async def complete_multipart(namespace: str, name: str, oid: str, request: Request, size: int, part_size: int,
                             expires: str | None = None, signature: str | None = None) -> Response:
    hub = hub_of(request)
    repo = await run_in_threadpool(_signed_repo, request, namespace, name, "lfs-multipart", oid, size, part_size,
                                   expires=expires, signature=signature)
    data = await json_body(request)
    await run_in_threadpool(_assemble, hub, repo, oid, size, part_size, _parts_prefix(expires, repo.id, oid), data)
    return JSONResponse({}, media_type=LFS_MEDIA_TYPE)


def _signed_repo(request: Request, namespace: str, name: str, purpose: str, *fields: object,
                 expires: str | None, signature: str | None) -> Repo:
    """The repo a signed upload URL names. The signature is the credential (no principal here); it is checked
    before telling whether the repo exists, so an unsigned request cannot tell a private repo from none."""
    repo = find_repo(hub_of(request), _repo_type(request), f"{namespace}/{name}")
    verify(hub_of(request), purpose, repo.id if repo else None, *fields, expires=expires, signature=signature)
    if repo is None:  # unreachable: no URL is signed for a missing repo; kept for the type
        raise RepoNotFound(f"Repository {namespace}/{name} not found")
    return repo


def _check_content_length(request: Request, expected: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != expected:
        raise InvalidInput("size", f"the request body has {declared} bytes but {expected} were announced")


def _exactly(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Check the length as the bytes arrive. (The size is not handed to ``ingest``: that would also compute
    a git blob id, a second hash over the whole file that an LFS object never needs.)"""
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > size:
            raise InvalidInput("size", f"received more than the announced {size} bytes")
        yield chunk
    if received != size:
        raise InvalidInput("size", f"received {received} bytes but {size} were announced")


def _parts_prefix(expires: str, repo_pk: int, oid: str) -> str:
    # the expiry leads the key, so parts of abandoned uploads are found and removed by age
    return f"{PARTS_PREFIX}/{expires}/{repo_pk}/{oid}"


def _store_part(hub: Hub, prefix: str, part: int, chunks: Iterator[bytes], expected: int) -> str:
    """Keep one part as an object in the store (so any server process can assemble it); returns its etag."""
    digest, size = hashlib.sha256(), 0
    fd, name = tempfile.mkstemp(dir=hub.blobs.tmp_dir, prefix="upload-", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > expected:
                    raise InvalidInput("size", f"part {part} is larger than the expected {expected} bytes")
                digest.update(chunk)
                out.write(chunk)
        if size != expected:
            raise InvalidInput("size", f"part {part} has {size} bytes but {expected} were expected")
        etag = digest.hexdigest()
        for stale in hub.blobs.objects.keys(prefix + "/"):
            if stale.rsplit("/", 1)[-1].startswith(f"{part:05d}."):
                hub.blobs.objects.delete(stale)  # a retried part replaces the earlier attempt
        hub.blobs.objects.put_file(f"{prefix}/{part:05d}.{etag}", tmp)
        return etag
    finally:
        tmp.unlink(missing_ok=True)


def _assemble(hub: Hub, repo: Repo, oid: str, size: int, part_size: int, prefix: str, data: dict) -> None:
    if data.get("oid") != oid:
        raise InvalidInput("oid", f"completion names {data.get('oid')!r} but the URL is for {oid}")
    stored = {int(k.rsplit("/", 1)[-1].split(".")[0]): k for k in hub.blobs.objects.keys(prefix + "/")}
    parts = data.get("parts")
    count = math.ceil(size / part_size)
    if not isinstance(parts, list) or len(parts) != count:
        raise InvalidInput("parts", f"expected a list of {count} parts")
    keys = []
    for number, part in enumerate(parts, start=1):
        etag = str(part.get("etag", "")).strip('"') if isinstance(part, dict) else ""
        if not isinstance(part, dict) or part.get("partNumber") != number:
            raise InvalidInput("parts", f"parts must be listed in order; expected partNumber {number}")
        key = stored.get(number)
        if key is None or not key.endswith(f".{etag}"):
            raise InvalidInput("parts", f"part {number} was not uploaded or its etag does not match")
        keys.append(key)
    blob = hub.blobs.ingest(_exactly(_read_parts(hub, keys), size), expected_sha256=oid)
    record_upload(hub, repo.id, blob)
    for key in stored.values():
        hub.blobs.objects.delete(key)


def _read_parts(hub: Hub, keys: list[str]) -> Iterator[bytes]:
    for key in keys:
        with hub.blobs.objects.open(key) as handle:
            while chunk := handle.read(READ_CHUNK):
                yield chunk


def _clean_stale_parts(hub: Hub, grace_seconds: int = 24 * 3600) -> None:
    cutoff = time.time() - grace_seconds
    for key in hub.blobs.objects.keys(PARTS_PREFIX + "/"):
        expires = key.split("/")[1]
        if expires.isdigit() and int(expires) < cutoff:
            hub.blobs.objects.delete(key)
