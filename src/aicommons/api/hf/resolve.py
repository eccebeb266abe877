"""Downloads: ``HEAD``/``GET /{prefix}{repo_id}/resolve/{revision}/{path}``.

HEAD answers with what the client caches by (``X-Repo-Commit``, ``ETag``, and for LFS files
``X-Linked-Etag``/``X-Linked-Size``); GET streams the blob, honouring ``Range``. A local blob is served
from its file; an object store that can presign gets a redirect for LFS files (the client keeps the
metadata of the 302 and drops its token for the other origin); anything else is streamed through.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy import func, select

from aicommons.accounts.access import can_read
from aicommons.api.app import hub_of, principal_of
from aicommons.api.hf.blob_responses import MappedFileResponse, RangeNotSatisfiable, content_disposition, \
    requested_span
from aicommons.api.hf.urls import hub_url, revision_and_path, route_tail
from aicommons.api.xet.advertise import download_headers
from aicommons.errors import RepoNotFound
from aicommons.hub import DownloadRequest, Hub
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import FileEntry
from aicommons.repos.reading import file_entry, snapshot
from aicommons.storage.tables import Repo

router = APIRouter(tags=["huggingface"])

PRESIGNED_SECONDS = 3600
ACCEPT_UNSAFE_HEADER = "X-AICommons-Accept-Unsafe"


@router.get("/datasets/{namespace}/{name}/resolve/{rest:path}", summary="Download a dataset file (revision "
            "percent-encoded); HEAD gives the same headers")
@router.head("/datasets/{namespace}/{name}/resolve/{rest:path}", include_in_schema=False)
def resolve_dataset_file(namespace: str, name: str, request: Request) -> Response:
    return serve_file(request, RepoType.DATASET, namespace, name)


@router.get("/{namespace}/{name}/resolve/{rest:path}", summary="Download a model file (revision "
            "percent-encoded); HEAD gives the same headers")
@router.head("/{namespace}/{name}/resolve/{rest:path}", include_in_schema=False)
def resolve_model_file(namespace: str, name: str, request: Request) -> Response:
    return serve_file(request, RepoType.MODEL, namespace, name)


@router.get("/{name}/resolve/{rest:path}", include_in_schema=False)
@router.head("/{name}/resolve/{rest:path}", include_in_schema=False)
def resolve_without_namespace(name: str) -> Response:
    # ids without a namespace are legacy Hub ids; here every repo has an owner, so none exists
    raise RepoNotFound(f"Repository {name} not found")


def serve_file(request: Request, repo_type: RepoType, namespace: str, name: str) -> Response:
    hub = hub_of(request)
    principal = principal_of(request)
    tail = route_tail(request)
    revision, path = revision_and_path(tail)
    repo = find_repo(hub, repo_type, f"{namespace}/{name}")
    if repo is None or not can_read(principal, repo):
        canonical = _same_name_other_case(hub, principal, repo_type, namespace, name)
        if canonical is None:
            raise RepoNotFound(f"Repository {namespace}/{name} not found")
        target = f"{hub_url(request)}/{repo_type.url_prefix}{canonical}/resolve/{quote(revision, safe='')}"
        return RedirectResponse(f"{target}/{quote(path)}", status_code=307)
    snap = snapshot(hub, repo, revision)
    entry = file_entry(snap, path)
    hub.check_download(principal, repo, DownloadRequest(path, entry.sha256, accepts_unsafe(request)))
    headers = {**metadata_headers(snap.commit_oid, entry),
               **download_headers(request, repo_type, repo.repo_id, snap.commit_oid, entry)}
    if request.method == "GET" and _starts_at_zero(request.headers.get("range")):
        request.app.state.hf_downloads.count(repo.id)
    if entry.lfs and hub.settings.download_redirects:
        location = hub.blobs.download_url(entry.sha256, PRESIGNED_SECONDS)
        if location is not None:
            return Response(status_code=302, headers={**headers, "Location": location})
    return _content(hub, request, entry, path, headers)


def accepts_unsafe(request: Request) -> bool:
    """The caller's explicit opt-in to download a file the scanner rated dangerous."""
    return (request.query_params.get("unsafe") == "accept"
            or request.headers.get(ACCEPT_UNSAFE_HEADER, "").lower() in ("1", "true", "yes"))


def metadata_headers(commit_oid: str, entry: FileEntry) -> dict[str, str]:
    """The headers the client keys its cache on (Xet headers are added for files the CAS can serve)."""
    headers = {"X-Repo-Commit": commit_oid, "ETag": f'"{entry.git_oid}"', "Accept-Ranges": "bytes"}
    if entry.lfs:
        headers["X-Linked-Etag"] = f'"{entry.sha256}"'
        headers["X-Linked-Size"] = str(entry.size)
    return headers


def _starts_at_zero(range_header: str | None) -> bool:
    """A whole-file download counts once; a resumed or partial read does not count again."""
    return range_header is None or range_header.replace(" ", "").startswith("bytes=0-")


def _same_name_other_case(hub: Hub, principal, repo_type: RepoType, namespace: str, name: str) -> str | None:
    """Ids are matched case-insensitively, as on the Hub: the one visible repo spelled otherwise, if any."""
    with hub.db.read() as session:
        rows = session.scalars(select(Repo).where(
            Repo.type == str(repo_type), func.lower(Repo.namespace) == namespace.lower(),
            func.lower(Repo.name) == name.lower())).all()
    matches = [repo.repo_id for repo in rows if can_read(principal, repo)]
    return matches[0] if len(matches) == 1 and matches[0] != f"{namespace}/{name}" else None


def _content(hub: Hub, request: Request, entry: FileEntry, path: str, headers: dict) -> Response:
    """The blob, or the one byte range asked for: from its local file when there is one, else streamed."""
    size = entry.size
    try:
        span = requested_span(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    start, end = span or (0, size - 1)
    headers = {**headers, "Content-Length": str(end - start + 1), "Content-Disposition": content_disposition(path)}
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    status = 206 if span else 200
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if request.method == "HEAD" or size == 0:
        return Response(status_code=status, headers=headers, media_type=media_type)
    local = hub.blobs.local_path(entry.sha256)
    if local is not None:
        return MappedFileResponse(local, start, end, status, headers, media_type)
    return StreamingResponse(hub.blobs.iter_range(entry.sha256, start, end), status_code=status, headers=headers,
                             media_type=media_type)
