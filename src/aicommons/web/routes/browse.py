"""The home page, the model and dataset lists (search, facets, sort, pages) and the languages page."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aicommons.index.search import UNDER_SERVED, languages_summary
from aicommons.repos.names import RepoType
from aicommons.web import urls
from aicommons.web.routing import WebRoute, viewer
from aicommons.web.search import FACET_LABELS, FACET_VALUE_LABELS, FACETS, SORTS, RepoQuery, search_repos
from aicommons.web.templates import render

router = APIRouter(route_class=WebRoute)
HOME_ITEMS = 6


@router.get("/")
def home(request: Request):
    principal = viewer(request)
    sections = {}
    for repo_type in (RepoType.MODEL, RepoType.DATASET):
        recent = search_repos(request.app.state.hub, principal,
                              RepoQuery(repo_type, sort="updated", per_page=HOME_ITEMS))
        popular = search_repos(request.app.state.hub, principal,
                               RepoQuery(repo_type, sort="downloads", per_page=HOME_ITEMS))
        sections[repo_type.value] = {"recent": recent.hits, "popular": popular.hits, "total": recent.total}
    return render(request, "home.html", {"sections": sections})


def _list_page(request: Request, repo_type: RepoType):
    query = RepoQuery.from_params(repo_type, request.query_params, with_facets=True)
    result = search_repos(request.app.state.hub, viewer(request), query)
    params = {"search": query.text, **query.filters, "sort": query.sort or None}

    def url_with(**changes) -> str:
        """This list's address with some parameters changed (None removes one); filters restart at page 1."""
        merged = {**params, "p": query.page, **changes}
        if "p" not in changes:
            merged["p"] = 1
        return urls.list_url(repo_type, **merged)

    return render(request, "list.html", {
        "repo_type": repo_type.value, "result": result, "query": query, "facets": FACETS,
        "facet_labels": FACET_LABELS, "value_labels": FACET_VALUE_LABELS, "sorts": SORTS, "url_with": url_with, "page_url": lambda n: url_with(p=n),
    })


@router.get("/models")
def models(request: Request):
    return _list_page(request, RepoType.MODEL)


@router.get("/datasets")
def datasets(request: Request):
    return _list_page(request, RepoType.DATASET)


@router.get("/languages")
def languages(request: Request):
    """Every language with its model and dataset counts; the under-served ones (few or none) stand out."""
    found = languages_summary(request.app.state.hub, viewer(request))
    only_under_served = request.query_params.get("show") == "under-served"
    under_served = [lang for lang in found if lang.under_served]
    return render(request, "languages.html", {
        "languages": under_served if only_under_served else found, "only_under_served": only_under_served,
        "under_served_count": len(under_served), "served_count": len(found) - len(under_served),
        "without_any": sum(1 for lang in found if lang.total == 0), "threshold": UNDER_SERVED,
    })
