"""The Xet CAS routes hf_xet calls, served by the hub itself under ``/xet``.

Routes the client probes but this hub does not offer (xorb upload grants, v2 shard uploads) are left
undefined on purpose: the client falls back on a 404, while a 401, 403 or 405 there would be fatal.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from aicommons.api.app import hub_of
from aicommons.api.auth import bearer_token
from aicommons.api.errors import error_response
from aicommons.api.xet.urls import CAS_PREFIX, public_base
from aicommons.errors import InvalidInput
from aicommons.hub import DownloadRequest
from aicommons.xet import hashing, tokens, xet_service
from aicommons.xet.content import xorb_key
from aicommons.xet.service import RangeNotSatisfiable, Reconstruction
from aicommons.xet.shard import MAX_SHARD_BYTES
from aicommons.xet.tables import XetFile
from aicommons.xet.xorb import MAX_XORB_BODY_BYTES

router = APIRouter(prefix=CAS_PREFIX, tags=["xet"])
telemetry_router = APIRouter(tags=["xet"])
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def _grant(request: Request, need: str, file_hash: str | None = None) -> tokens.XetGrant:
    """The token's grant, re-checked now. Reading also passes the hub's download rules (gated access; for one
    file, the dangerous-file rule) as `/resolve` would, so a token never outlives or widens them."""
    hub = hub_of(request)
    with hub.db.read() as session:
        grant, principal, repo = tokens.verify(hub.settings.secret_key, session, bearer_token(request), need)
        file = session.get(XetFile, file_hash) if file_hash and hashing.is_hex_hash(file_hash) else None
        sha256 = file.sha256 if file else None
    if need == tokens.READ:
        hub.check_download(principal, repo, DownloadRequest(None, sha256))
    return grant


@router.post("/v1/xorbs/{prefix}/{xorb_hash}")
async def upload_xorb(request: Request, prefix: str, xorb_hash: str) -> dict:
    """Store a xorb once its chunks and hash check out."""
    grant = await run_in_threadpool(_grant, request, tokens.WRITE)
    body = await _spool(request, MAX_XORB_BODY_BYTES, "xorb")
    inserted = await run_in_threadpool(xet_service(hub_of(request)).store_xorb, grant, xorb_hash, body)
    return {"was_inserted": inserted}


@router.post("/v1/shards")
async def upload_shard(request: Request) -> dict:
    """Register the files a shard describes, after checking every hash and the sha256 of every new file."""
    grant = await run_in_threadpool(_grant, request, tokens.WRITE)
    path = await _spool(request, MAX_SHARD_BYTES, "shard")
    try:
        data = path.read_bytes()
    finally:
        path.unlink(missing_ok=True)
    new_files = await run_in_threadpool(xet_service(hub_of(request)).register_shard, grant, data)
    return {"result": 1 if new_files else 0}


@router.get("/v1/chunks/{prefix}/{chunk_hash}")
def dedup_query(request: Request, prefix: str, chunk_hash: str) -> Response:
    """Global dedup: a shard of the xorbs holding this chunk, among those of files the token's repo holds."""
    grant = _grant(request, tokens.READ)
    answer = xet_service(hub_of(request)).dedup_answer(grant, chunk_hash)
    if answer is None:
        return error_response(404, f"No stored chunk {chunk_hash[:64]} in this repository")
    return Response(answer, media_type="application/octet-stream")


@router.get("/v1/reconstructions/{file_hash}")
def reconstruction_v1(request: Request, file_hash: str) -> Response:
    """Which xorb byte ranges rebuild (a range of) a file, in the v1 layout."""
    found = _reconstruction(request, file_hash)
    if isinstance(found, Response):
        return found
    fetch_info: dict[str, list] = {}
    for fetch in found.fetches:
        fetch_info.setdefault(fetch.xorb, []).append({
            "range": {"start": fetch.chunk_start, "end": fetch.chunk_end},
            "url": _fetch_url(request, fetch.xorb, fetch.byte_start, fetch.byte_end),
            "url_range": {"start": fetch.byte_start, "end": fetch.byte_end},
        })
    return JSONResponse({"offset_into_first_range": found.offset_into_first_range, "terms": _terms(found),
                         "fetch_info": fetch_info})


@router.get("/v2/reconstructions/{file_hash}")
def reconstruction_v2(request: Request, file_hash: str) -> Response:
    """The same in the v2 layout, which groups ranges by xorb."""
    found = _reconstruction(request, file_hash)
    if isinstance(found, Response):
        return found
    xorbs: dict[str, list] = {}
    for fetch in found.fetches:
        xorbs.setdefault(fetch.xorb, []).append({
            "url": _fetch_url(request, fetch.xorb, fetch.byte_start, fetch.byte_end),
            "ranges": [{"chunks": {"start": fetch.chunk_start, "end": fetch.chunk_end},
                        "bytes": {"start": fetch.byte_start, "end": fetch.byte_end}}],
        })
    return JSONResponse({"offset_into_first_range": found.offset_into_first_range, "terms": _terms(found),
                         "xorbs": xorbs})


def _reconstruction(request: Request, file_hash: str) -> Reconstruction | Response:
    grant = _grant(request, tokens.READ, file_hash)
    start = end = None
    header = request.headers.get("range")
    if header:
        match = _RANGE.match(header.strip())
        if match is None:
            raise InvalidInput("range", f"unsupported Range header {header!r}; use bytes=START-END")
        start, end = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    try:
        return xet_service(hub_of(request)).reconstruction(grant, file_hash, start, end)
    except RangeNotSatisfiable as error:
        return error_response(416, error.message)


def _terms(found: Reconstruction) -> list[dict]:
    return [{"hash": xorb, "unpacked_length": length, "range": {"start": start, "end": end}}
            for xorb, length, start, end in found.terms]


def _fetch_url(request: Request, xorb_hash: str, start: int, end: int) -> str:
    query = tokens.sign_fetch(hub_of(request).settings.secret_key, xorb_hash, start, end)
    return f"{public_base(request)}{CAS_PREFIX}/fetch/{xorb_hash}?{query}"


@router.get("/fetch/{xorb_hash}")
def fetch_xorb_range(request: Request, xorb_hash: str, r: str = "", exp: str = "", sig: str = "") -> Response:
    """A presigned byte range of a stored xorb; the client sends no credentials here, the signature is one."""
    hub = hub_of(request)
    signed_start, signed_end = tokens.check_fetch(hub.settings.secret_key, xorb_hash, r, exp, sig)
    start, end = signed_start, signed_end
    header = request.headers.get("range")
    if header:
        match = _RANGE.match(header.strip())
        if match is None:
            raise InvalidInput("range", f"unsupported Range header {header!r}; use bytes=START-END")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else signed_end
    if not signed_start <= start <= end <= signed_end:
        return error_response(416, f"Range {start}-{end} is outside the signed range {signed_start}-{signed_end}")
    objects = hub.blobs.objects
    key = xorb_key(xorb_hash)
    total = objects.size(key)
    if end >= total:
        return error_response(416, f"Range {start}-{end} is beyond the xorb's {total} bytes")
    return StreamingResponse(objects.iter_range(key, start, end), status_code=206,
                             media_type="application/octet-stream",
                             headers={"Content-Range": f"bytes {start}-{end}/{total}",
                                      "Content-Length": str(end - start + 1)})


@router.post("/v1/telemetry", status_code=204)
@telemetry_router.post("/v1/telemetry", status_code=204)
async def telemetry(request: Request) -> Response:
    """hf_xet reports transfer statistics; the hub has no use for them (it posts them at the host root too)."""
    async for _ in request.stream():
        pass
    return Response(status_code=204)


async def _spool(request: Request, limit: int, what: str) -> Path:
    """Stream the request body into a temp file beside the blob store, refusing more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InvalidInput(what, f"{what} of {declared} bytes exceeds the limit of {limit}")
    tmp_dir = hub_of(request).blobs.tmp_dir
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=".part")
    path = Path(name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for piece in request.stream():
                size += len(piece)
                if size > limit:
                    raise InvalidInput(what, f"{what} is larger than the limit of {limit} bytes")
                out.write(piece)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
