"""Likes and collections in the browser: the like button, collection pages, adding a repo to a collection."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from aicommons.accounts.access import may_manage_account
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.community import collections, likes
from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType
from aicommons.web.community.urls import collection_url
from aicommons.web.repo_context import open_repo
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in, viewer
from aicommons.web.templates import render
from aicommons.web.urls import account_url, repo_base


def make_repo_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)

    @router.post("/{namespace}/{name}/like")
    def toggle_like(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user)):
        page = open_repo(request, repo_type, namespace, name)
        if not likes.unlike(page.hub, principal, page.repo):
            likes.like(page.hub, principal, page.repo)
        return see_other(repo_base(page.repo.type, page.repo.repo_id))

    @router.get("/{namespace}/{name}/collect")
    def collect_form(request: Request, namespace: str, name: str, principal: Principal = Depends(signed_in)):
        page = open_repo(request, repo_type, namespace, name)
        own = collections.list_collections(page.hub, principal, owners=[principal.name, *principal.org_names.values()])
        return render(request, "community/collect.html", page.context(
            "card", "main", lambda r: repo_base(page.repo.type, page.repo.repo_id), own=own))

    @router.post("/{namespace}/{name}/collect")
    def collect(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
                collection: str = Form(...), note: str = Form("")):
        page = open_repo(request, repo_type, namespace, name)
        collections.add_item(page.hub, principal, collection, page.repo.type, page.repo.repo_id, note or None)
        return see_other(collection_url(collection), "collection-saved")

    return router


router = APIRouter(route_class=WebRoute)


def _collection_page(request: Request, slug: str, status: int = 200, **extra):
    hub, principal = request.app.state.hub, viewer(request)
    view = collections.get_collection(hub, principal, slug)
    with hub.db.read() as session:
        owner = get_account(session, view.owner)
    editable = not principal.anonymous and may_manage_account(principal, owner.id)
    return render(request, "community/collection.html", {"collection": view, "editable": editable, **extra},
                  status=status)


@router.get("/collections/{owner}/{slug}")
def collection_page(request: Request, owner: str, slug: str):
    return _collection_page(request, f"{owner}/{slug}")


@router.get("/collections/new")
def new_collection_form(request: Request, principal: Principal = Depends(signed_in)):
    return render(request, "community/new_collection.html", {"namespaces": [principal.name,
                                                                             *principal.org_names.values()]})


@router.post("/collections/new")
def new_collection(request: Request, principal: Principal = Depends(form_user), title: str = Form(""),
                   namespace: str = Form(""), description: str = Form(""), private: str = Form("")):
    try:
        view = collections.create_collection(request.app.state.hub, principal, title, namespace or None, description,
                                             private == "on")
    except (InvalidInput, collections.CollectionExists) as error:
        return render(request, "community/new_collection.html", {
            "namespaces": [principal.name, *principal.org_names.values()], "error": error.message, "title": title,
            "description": description}, status=400)
    return see_other(collection_url(view.slug), "collection-saved")


@router.post("/collections/{owner}/{slug}/edit")
def edit_collection(request: Request, owner: str, slug: str, principal: Principal = Depends(form_user),
                    title: str = Form(""), description: str = Form(""), private: str = Form("")):
    try:
        view = collections.update_collection(request.app.state.hub, principal, f"{owner}/{slug}", title=title,
                                             description=description, private=private == "on")
    except InvalidInput as error:
        return _collection_page(request, f"{owner}/{slug}", 400, error=error.message)
    return see_other(collection_url(view.slug), "collection-saved")


@router.post("/collections/{owner}/{slug}/items/{item_id}")
def edit_item(request: Request, owner: str, slug: str, item_id: str, principal: Principal = Depends(form_user),
              action: str = Form(...), note: str = Form(""), position: int = Form(0)):
    hub, full = request.app.state.hub, f"{owner}/{slug}"
    if action == "remove":
        collections.delete_item(hub, principal, full, item_id)
    elif action == "move":
        collections.update_item(hub, principal, full, item_id, position=max(position, 0))
    else:
        collections.update_item(hub, principal, full, item_id, note=note)
    return see_other(collection_url(full), "collection-saved")


@router.post("/collections/{owner}/{slug}/delete")
def delete_collection(request: Request, owner: str, slug: str, principal: Principal = Depends(form_user)):
    collections.delete_collection(request.app.state.hub, principal, f"{owner}/{slug}")
    return see_other(account_url(owner), "collection-deleted")
