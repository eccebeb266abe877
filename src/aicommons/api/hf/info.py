"""Repo info (``model_info``/``dataset_info``) and the model and dataset lists (``list_models``/``list_datasets``)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, select

from aicommons.accounts.access import visible_repos
from aicommons.api.app import hub_of, principal_of
from aicommons.api.hf.context import query_flag, readable_repo
from aicommons.api.hf.dates import iso_date
from aicommons.api.hf.entries import sibling_json
from aicommons.api.hf.metadata import repo_metadata
from aicommons.api.hf.urls import next_page_link, parse_cursor, repo_type_of, revision_of, route_tail
from aicommons.community.common import settings_of
from aicommons.community.gating import gated_condition
from aicommons.errors import InvalidInput, RepoNotFound
from aicommons.hub import Hub
from aicommons.licenses.summary import SUMMARY_FILTERS, summary_condition
from aicommons.repos.names import RepoType
from aicommons.repos.reading import Snapshot, snapshot
from aicommons.resources.report import safetensors_info
from aicommons.storage.tables import Repo

router = APIRouter(tags=["huggingface"])

MAX_PAGE = 1000
SORTS = {
    "downloads": Repo.downloads,
    "likes": Repo.likes,
    "lastModified": Repo.updated_at,
    "createdAt": Repo.created_at,
    "trendingScore": Repo.downloads,  # no time series of downloads yet: the all-time count stands in
    "id": Repo.namespace,
}


def repo_info_json(hub: Hub, repo: Repo, snap: Snapshot, *, siblings: bool = True, blobs: bool = False) -> dict:
    meta = repo_metadata(hub, repo.type, snap.files)
    community = settings_of(hub, repo)
    info = {
        "_id": str(repo.id),
        "id": repo.repo_id,
        "author": repo.namespace,
        "sha": snap.commit_oid,
        "lastModified": iso_date(repo.updated_at),
        "createdAt": iso_date(repo.created_at),
        "private": repo.private,
        "gated": community.gated or False,
        "discussionsDisabled": community.discussions_disabled,
        "disabled": False,
        "downloads": repo.downloads,
        "likes": repo.likes,
        "tags": meta.tags,
    }
    if repo.type == RepoType.MODEL:
        info.update(modelId=repo.repo_id, library_name=meta.library_name, pipeline_tag=meta.pipeline_tag)
        parameters = safetensors_info(hub, snap) if siblings else None  # headers cached at commit time
        if parameters is not None:
            info["safetensors"] = parameters
    if meta.card_data is not None:
        info["cardData"] = meta.card_data
    if siblings:
        info["siblings"] = [sibling_json(path, entry, blobs) for path, entry in sorted(snap.files.items())]
    return info


@router.get("/api/{kind:repokind}/{namespace}/{name}", summary="Repo info at the default branch")
def repo_info(kind: str, namespace: str, name: str, request: Request) -> dict:
    return _info(request, kind, namespace, name, None)


@router.get("/api/{kind:repokind}/{namespace}/{name}/revision/{rest:path}", summary="Repo info at a revision")
def repo_info_at(kind: str, namespace: str, name: str, request: Request) -> dict:
    return _info(request, kind, namespace, name, revision_of(route_tail(request)))


@router.get("/api/{kind:repokind}/{name}", include_in_schema=False)
def repo_info_without_namespace(name: str) -> dict:
    # ids without a namespace are legacy Hub ids; here every repo has an owner, so none exists
    raise RepoNotFound(f"Repository {name} not found")


def _info(request: Request, kind: str, namespace: str, name: str, revision: str | None) -> dict:
    hub = hub_of(request)
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    snap = snapshot(hub, repo, revision)
    return repo_info_json(hub, repo, snap, blobs=query_flag(request, "blobs"))


def _split_summary_filters(values: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """`license-conflict:yes` and `commercial:<status>` filter on the stored licence summary in the query; the
    other values are tags, matched against each repo's metadata."""
    tags, summary = [], []
    for value in values:
        key, sep, wanted = value.partition(":")
        name = key.replace("-", "_")
        if sep and name in SUMMARY_FILTERS:
            summary.append((name, wanted))
        else:
            tags.append(value)
    return tags, summary


@router.get("/api/{kind:repokind}", summary="List and search models or datasets")
def list_repos(
    kind: str,
    request: Request,
    response: Response,
    search: list[str] = Query(default=[]),
    author: str | None = None,
    tags: list[str] = Query(default=[], alias="filter"),
    pipeline_tag: str | None = None,
    sort: str | None = None,
    direction: int = -1,
    limit: int | None = None,
    cursor: str | None = None,
    gated: bool | None = None,
) -> list[dict]:
    hub = hub_of(request)
    repo_type = repo_type_of(kind)
    if sort is not None and sort not in SORTS:
        raise InvalidInput("sort", f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    page_size = min(limit or MAX_PAGE, MAX_PAGE)
    if page_size < 1:
        raise InvalidInput("limit", "limit must be at least 1")
    start = parse_cursor(cursor)
    full = query_flag(request, "full")
    with_card = query_flag(request, "cardData") or full

    stmt = select(Repo).where(Repo.type == str(repo_type), visible_repos(principal_of(request)))
    if author:
        stmt = stmt.where(Repo.namespace == author)
    if gated is not None:
        stmt = stmt.where(gated_condition(gated))
    for term in search:
        stmt = stmt.where(func.lower(Repo.namespace + "/" + Repo.name).contains(term.lower(), autoescape=True))
    tags, summary_filters = _split_summary_filters(tags)
    for name, value in summary_filters:
        stmt = stmt.where(summary_condition(name, value, Repo.id))
    column = SORTS[sort or "lastModified"]
    order = [column.asc() if direction == 1 else column.desc()]
    if sort == "id":
        order.append(Repo.name.asc() if direction == 1 else Repo.name.desc())
    stmt = stmt.order_by(*order, Repo.id.desc())

    wanted_tags = [*tags, *([pipeline_tag] if pipeline_tag else [])]
    with hub.db.read() as session:
        if wanted_tags:  # tags come from cards, so these filters are applied after reading the metadata
            candidates = list(session.scalars(stmt))
        else:
            candidates = list(session.scalars(stmt.offset(start).limit(page_size + 1)))
    items = []
    skipped = 0 if not wanted_tags else start
    for repo in candidates:
        snap = snapshot(hub, repo, None)
        info = repo_info_json(hub, repo, snap, siblings=full)
        if wanted_tags and not all(tag in info["tags"] or tag == info.get("pipeline_tag") for tag in wanted_tags):
            continue
        if skipped:
            skipped -= 1
            continue
        if not with_card:
            info.pop("cardData", None)
        items.append(info)
        if len(items) > page_size:
            break
    if len(items) > page_size:
        items = items[:page_size]
        response.headers["Link"] = next_page_link(request, f"/api/{kind}", start + page_size)
    return items
