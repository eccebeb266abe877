"""Finding repos for the pages: one query object in, one page of results with facet counts out.

The metadata index answers (``aicommons.index.search``): full text over names and cards, filters on card
fields, visibility in the database query, so private repos never reach a list, a count or a facet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

from aicommons.accounts.principal import Principal
from aicommons.errors import InvalidInput
from aicommons.hub import Hub
from aicommons.index import search as index
from aicommons.index.search import RepoSummary, SearchFilters
from aicommons.repos.names import RepoType

FACETS = ("task", "library", "language", "license", "conflict", "commercial", "author")
FACET_LABELS = {"task": "Tasks", "library": "Libraries", "language": "Languages", "license": "Licences",
                "conflict": "Licence conflicts", "commercial": "Commercial use", "author": "Authors"}
# how a facet's stored values read on the page (the value itself otherwise)
FACET_VALUE_LABELS = {
    "conflict": {"yes": "Has licence conflicts", "no": "No licence conflicts"},
    "commercial": {"allowed": "Allowed", "allowed-with-obligations": "Allowed with obligations",
                   "needs-review": "Needs review", "not-allowed": "Not allowed"},
}
SORTS = {"relevance": "Best match", "updated": "Recently updated", "downloads": "Most downloads",
         "likes": "Most likes", "created": "Newest", "name": "Name", "parameters": "Most parameters"}
PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 200
FACET_VALUES_SHOWN = 12


def index_field(facet: str, repo_type: RepoType) -> str:
    """The index's name for a page facet: a model's task is its pipeline tag, a dataset's its task category."""
    if facet == "task":
        return "pipeline_tag" if repo_type is RepoType.MODEL else "task_category"
    if facet == "conflict":
        return "license_conflict"
    return facet


@dataclass(frozen=True)
class RepoQuery:
    repo_type: RepoType
    text: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)  # facet name -> the one value it must have
    sort: str = ""  # empty: best match for a text search, recently updated otherwise
    page: int = 1
    per_page: int = PER_PAGE
    with_facets: bool = False

    def __post_init__(self):
        if self.sort and self.sort not in SORTS:
            raise InvalidInput("sort", f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if self.page < 1:
            raise InvalidInput("p", "page numbers start at 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidInput("per_page", f"show between 1 and {MAX_PER_PAGE} repos a page")
        if len(self.text) > MAX_QUERY_CHARS:
            raise InvalidInput("search", f"search text longer than {MAX_QUERY_CHARS} characters")
        unknown = set(self.filters) - set(FACETS)
        if unknown:
            raise InvalidInput("filter", f"unknown filter {sorted(unknown)[0]!r}")

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.text else "updated")

    @classmethod
    def from_params(cls, repo_type: RepoType, params: Mapping[str, str], **overrides) -> "RepoQuery":
        """A query from a list page's URL parameters (search, task, library, ..., sort, p)."""
        page = params.get("p", "1")
        if not page.isdigit():
            raise InvalidInput("p", f"invalid page number {page!r}")
        return cls(repo_type=repo_type, text=params.get("search", "").strip(),
                   filters={name: params[name] for name in FACETS if params.get(name)},
                   sort=params.get("sort", ""), page=int(page), **overrides)

    def index_filters(self, leave_out: str | None = None) -> SearchFilters:
        chosen = {index_field(name, self.repo_type): value for name, value in self.filters.items()
                  if name != leave_out}
        return SearchFilters(repo_type=self.repo_type.value, **chosen)


@dataclass
class SearchPage:
    query: RepoQuery
    hits: list[RepoSummary]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))


def search_repos(hub: Hub, principal: Principal, query: RepoQuery) -> SearchPage:
    found = index.search_repos(hub, principal, query.text or None, query.index_filters(), query.effective_sort,
                               limit=query.per_page, offset=(query.page - 1) * query.per_page)
    facets = _facet_counts(hub, principal, query) if query.with_facets else {}
    return SearchPage(query, found.items, found.total, facets)


def _facet_counts(hub: Hub, principal: Principal, query: RepoQuery) -> dict[str, list[tuple[str, int]]]:
    """Each facet counted under every other active filter, so a count says what picking that value yields.

    Facets without an active filter share one count; each active one is counted with its own filter left out.
    """
    text = query.text or None
    idle = tuple(name for name in FACETS if name not in query.filters)
    counted = index.facet_counts(hub, principal, text, query.index_filters(),
                                 tuple(index_field(name, query.repo_type) for name in idle), FACET_VALUES_SHOWN)
    out = {name: counted[index_field(name, query.repo_type)] for name in idle}
    for name, selected in query.filters.items():
        key = index_field(name, query.repo_type)
        values = index.facet_counts(hub, principal, text, query.index_filters(leave_out=name), (key,),
                                    FACET_VALUES_SHOWN)[key]
        if selected not in dict(values):
            values.append((selected, 0))
        out[name] = values
    return {name: out[name] for name in FACETS}
