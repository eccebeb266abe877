"""Likes, collections, and users and organisations: ``unlike``, ``list_liked_repos``, ``list_repo_likers``,
the collection calls, ``get_user_overview``, ``get_organization_overview`` and member lists."""

from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of, principal_of
from aicommons.api.errors import error_response
from aicommons.api.hf.community.shapes import user_json
from aicommons.api.hf.context import json_body, readable_repo
from aicommons.api.hf.dates import iso_date
from aicommons.api.hf.urls import hub_url, next_page_link, parse_cursor, repo_type_of
from aicommons.community import collections, likes, overview
from aicommons.community.collections import CollectionView
from aicommons.errors import InvalidInput
from aicommons.storage.tables import Repo

router = APIRouter()
PAGE_SIZE = 100
LISTED_ITEMS = 4  # collection lists show the first items only, as the Hub does


def _page(request: Request, response: Response, fetch: Callable[[int, int], list], shape: Callable) -> list:
    """One Link-paginated page: ``fetch(offset, limit)`` is asked for one more item than the page holds."""
    start = parse_cursor(request.query_params.get("cursor"))
    items = fetch(start, PAGE_SIZE + 1)
    if len(items) > PAGE_SIZE:
        response.headers["Link"] = next_page_link(request, request.url.path, start + PAGE_SIZE)
    return [shape(item) for item in items[:PAGE_SIZE]]


# --- likes ------------------------------------------------------------------------------------------------------

@router.post("/api/{kind:repokind}/{namespace}/{name}/like", summary="Like a repo")
def like(kind: str, namespace: str, name: str, request: Request) -> dict:
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    likes.like(hub_of(request), principal_of(request), repo)
    return {"likes": likes_of(request, repo)}


@router.delete("/api/{kind:repokind}/{namespace}/{name}/like", summary="Unlike a repo")
def unlike(kind: str, namespace: str, name: str, request: Request) -> dict:
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    likes.unlike(hub_of(request), principal_of(request), repo)
    return {"likes": likes_of(request, repo)}


def likes_of(request: Request, repo) -> int:
    with hub_of(request).db.read() as session:
        return session.get(Repo, repo.id).likes


@router.get("/api/users/{user}/likes", summary="Repos a user likes (Link-paginated)")
def liked(user: str, request: Request, response: Response) -> list[dict]:
    hub, principal = hub_of(request), principal_of(request)
    return _page(request, response, lambda offset, limit: likes.liked_repos(hub, principal, user, offset, limit),
                 lambda r: {"createdAt": iso_date(r.liked_at), "repo": {"name": r.repo_id, "type": r.repo_type}})


@router.get("/api/{kind:repokind}/{namespace}/{name}/likers", summary="Users who like a repo (Link-paginated)")
def likers(kind: str, namespace: str, name: str, request: Request, response: Response) -> list[dict]:
    repo = readable_repo(request, repo_type_of(kind), namespace, name)
    return _page(request, response, lambda offset, limit: likes.likers(hub_of(request), repo, offset, limit),
                 lambda u: user_json(u.name, u.fullname))


# --- users and organisations ------------------------------------------------------------------------------------

@router.get("/api/users/{user}/overview", summary="A user's profile and counts")
def user_overview(user: str, request: Request) -> dict:
    found = overview.overview(hub_of(request), principal_of(request), user, "user")
    return {**user_json(found.name, found.fullname), "isPro": False, "createdAt": iso_date(found.created_at),
            "numModels": found.models, "numDatasets": found.datasets, "numSpaces": 0, "numLikes": found.likes,
            "numDiscussions": found.discussions, "numFollowers": 0, "numFollowing": 0,
            "orgs": [{"name": n, "fullname": f or n, "avatarUrl": ""} for n, f in found.orgs]}


@router.get("/api/organizations/{org}/overview", summary="An organisation's profile and counts")
def org_overview(org: str, request: Request) -> dict:
    found = overview.overview(hub_of(request), principal_of(request), org, "org")
    return {"name": found.name, "fullname": found.fullname or found.name, "avatarUrl": "", "isVerified": False,
            "isFollowing": False, "numUsers": found.members, "numModels": found.models,
            "numDatasets": found.datasets, "numSpaces": 0, "numFollowers": 0, "numLikes": found.likes}


@router.get("/api/organizations/{org}/members", summary="An organisation's members (Link-paginated)")
def org_members(org: str, request: Request, response: Response) -> list[dict]:
    return _page(request, response, lambda offset, limit: overview.members(hub_of(request), org, offset, limit),
                 lambda m: user_json(m.name, m.fullname, role=m.role))


@router.get("/api/organizations/{org}/followers", summary="Followers (this hub has no following: always empty)")
def org_followers(org: str, request: Request) -> list[dict]:
    overview.overview(hub_of(request), principal_of(request), org, "org")  # unknown names are 404
    return []


@router.get("/api/users/{user}/followers", summary="Followers (this hub has no following: always empty)")
@router.get("/api/users/{user}/following", summary="Followed users (this hub has no following: always empty)")
def user_follows(user: str, request: Request) -> list[dict]:
    overview.overview(hub_of(request), principal_of(request), user, "user")
    return []


# --- collections ------------------------------------------------------------------------------------------------

def collection_json(request: Request, view: CollectionView, *, listed: bool = False) -> dict:
    items = view.items[:LISTED_ITEMS] if listed else view.items
    out = {"slug": view.slug, "title": view.title, "description": view.description,
           "owner": {"name": view.owner, "type": "org" if view.owner_kind == "org" else "user"},
           "items": [_item_json(item) for item in items], "numberItems": len(view.items),
           "lastUpdated": iso_date(view.updated_at), "private": view.private, "theme": view.theme, "upvotes": 0,
           "isUpvotedByUser": False, "url": f"{hub_url(request)}/collections/{view.slug}"}
    if not listed:  # the client numbers listed collections itself and rejects a second `position`
        out["position"] = view.position
    return out


def _item_json(item) -> dict:
    out = {"_id": item.id, "id": item.item_id, "type": item.type, "position": item.position,
           "private": item.private, **({"lastModified": iso_date(item.updated_at)} if item.updated_at else {})}
    if item.type == "collection":
        out["slug"] = item.item_id
    if item.note:
        out["note"] = {"text": item.note, "html": item.note}
    return out


@router.get("/api/collections", summary="Collections by owner and/or containing an item (Link-paginated)")
def list_collections(request: Request, response: Response, owner: list[str] = Query(default=[]),
                     item: str | None = None, sort: str = "lastModified", limit: int | None = None) -> list[dict]:
    hub, principal = hub_of(request), principal_of(request)
    if limit is not None and limit < 1:
        raise InvalidInput("limit", "limit must be at least 1")
    return _page(request, response,
                 lambda offset, page: collections.list_collections(hub, principal, owner, item, sort, offset, page),
                 lambda view: collection_json(request, view, listed=True))


@router.post("/api/collections", summary="Create a collection (409 with its `slug` when the title exists)")
async def create_collection(request: Request):
    data = await json_body(request)

    def run():
        try:
            view = collections.create_collection(hub_of(request), principal_of(request), data.get("title"),
                                                 data.get("namespace"), data.get("description") or "",
                                                 bool(data.get("private", False)))
        except collections.CollectionExists as exists:
            return error_response(409, exists.message, body={"slug": exists.slug})
        return collection_json(request, view)

    return await run_in_threadpool(run)


@router.get("/api/collections/{owner}/{slug}", summary="A collection")
def get_collection(owner: str, slug: str, request: Request) -> dict:
    return collection_json(request, collections.get_collection(hub_of(request), principal_of(request),
                                                               f"{owner}/{slug}"))


@router.patch("/api/collections/{owner}/{slug}", summary="Change a collection's title, description, position, "
              "visibility or theme")
async def update_collection(owner: str, slug: str, request: Request) -> dict:
    data = await json_body(request)
    fields = {key: data[key] for key in ("title", "description", "position", "private", "theme") if key in data}

    def run():
        view = collections.update_collection(hub_of(request), principal_of(request), f"{owner}/{slug}", **fields)
        return {"data": collection_json(request, view)}

    return await run_in_threadpool(run)


@router.delete("/api/collections/{owner}/{slug}", summary="Delete a collection")
def delete_collection(owner: str, slug: str, request: Request) -> dict:
    collections.delete_collection(hub_of(request), principal_of(request), f"{owner}/{slug}")
    return {}


@router.post("/api/collections/{owner}/{slug}/items", summary="Add a repo or a collection, with an optional note")
async def add_item(owner: str, slug: str, request: Request):
    data = await json_body(request)

    def run():
        item = data.get("item")
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("type"), str):
            raise InvalidInput("item", "'item' must be {\"id\": ..., \"type\": ...}")
        view = collections.add_item(hub_of(request), principal_of(request), f"{owner}/{slug}", item["type"],
                                    item["id"], data.get("note"))
        return collection_json(request, view)

    return await run_in_threadpool(run)


@router.patch("/api/collections/{owner}/{slug}/items/{item_id}", summary="Change an item's note or position")
async def update_item(owner: str, slug: str, item_id: str, request: Request) -> dict:
    data = await json_body(request)

    def run():
        view = collections.update_item(hub_of(request), principal_of(request), f"{owner}/{slug}", item_id,
                                       note=data.get("note"), position=data.get("position"))
        return collection_json(request, view)

    return await run_in_threadpool(run)


@router.delete("/api/collections/{owner}/{slug}/items/{item_id}", summary="Remove an item from a collection")
def delete_item(owner: str, slug: str, item_id: str, request: Request) -> dict:
    collections.delete_item(hub_of(request), principal_of(request), f"{owner}/{slug}", item_id)
    return {}
