"""Finding repos: one query object in, one page of results with facet counts out.

Visibility is part of the database query, so private repos never reach a list, a count or a facet.
Names are matched in SQL; card facets are matched on the per-commit card metadata. When the cards index
lands, it replaces this module's body and keeps its interface.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from sqlalchemy import and_, func, select

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import Principal
from aicommons.errors import InvalidInput
from aicommons.hub import Hub
from aicommons.repos.names import RepoType
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.storage.tables import Ref, Repo
from aicommons.web.card_meta import CARD_FACETS, EMPTY, CardMeta, card_metadata

FACETS = ("task", "library", "language", "license", "author")
FACET_LABELS = {"task": "Tasks", "library": "Libraries", "language": "Languages", "license": "Licences",
                "author": "Authors"}
SORTS = {"updated": "Recently updated", "downloads": "Most downloads", "likes": "Most likes",
         "created": "Newest", "name": "Name"}
_ORDER = {
    "updated": (Repo.updated_at.desc(),),
    "downloads": (Repo.downloads.desc(), Repo.likes.desc()),
    "likes": (Repo.likes.desc(), Repo.downloads.desc()),
    "created": (Repo.created_at.desc(),),
    "name": (Repo.namespace.asc(), Repo.name.asc()),
}
PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 200
FACET_VALUES_SHOWN = 12


@dataclass(frozen=True)
class RepoQuery:
    repo_type: RepoType
    text: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)  # facet name -> the one value it must have
    sort: str = "updated"
    page: int = 1
    per_page: int = PER_PAGE
    with_facets: bool = False

    def __post_init__(self):
        if self.sort not in SORTS:
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

    @classmethod
    def from_params(cls, repo_type: RepoType, params: Mapping[str, str], **overrides) -> "RepoQuery":
        """A query from a list page's URL parameters (search, task, library, ..., sort, p)."""
        page = params.get("p", "1")
        if not page.isdigit():
            raise InvalidInput("p", f"invalid page number {page!r}")
        return cls(repo_type=repo_type, text=params.get("search", "").strip(),
                   filters={name: params[name] for name in FACETS if params.get(name)},
                   sort=params.get("sort") or "updated", page=int(page), **overrides)


@dataclass(frozen=True)
class RepoHit:
    repo: Repo
    commit_oid: str | None  # the main branch's head
    meta: CardMeta


@dataclass
class SearchPage:
    query: RepoQuery
    hits: list[RepoHit]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))


def search_repos(hub: Hub, principal: Principal, query: RepoQuery) -> SearchPage:
    card_filters = {k: v for k, v in query.filters.items() if k in CARD_FACETS}
    if not card_filters and not query.with_facets:
        return _search_in_sql(hub, principal, query)
    with hub.db.read() as session:
        rows = session.execute(_statement(principal, query, author_in_sql=False)).all()
    metas = card_metadata(hub, (oid for _, oid in rows))
    hits = [RepoHit(repo, oid, metas.get(oid, EMPTY)) for repo, oid in rows]
    matching = [hit for hit in hits if _matches(hit, query.filters)]
    start = (query.page - 1) * query.per_page
    facets = _facet_counts(hits, query.filters) if query.with_facets else {}
    return SearchPage(query, matching[start:start + query.per_page], len(matching), facets)


def _search_in_sql(hub: Hub, principal: Principal, query: RepoQuery) -> SearchPage:
    statement = _statement(principal, query, author_in_sql=True)
    with hub.db.read() as session:
        total = session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = session.execute(statement.offset((query.page - 1) * query.per_page).limit(query.per_page)).all()
    metas = card_metadata(hub, (oid for _, oid in rows))
    return SearchPage(query, [RepoHit(repo, oid, metas.get(oid, EMPTY)) for repo, oid in rows], total)


def _statement(principal: Principal, query: RepoQuery, author_in_sql: bool):
    head = and_(Ref.repo_id == Repo.id, Ref.name == f"refs/heads/{DEFAULT_BRANCH}")
    statement = (select(Repo, Ref.commit_oid).outerjoin(Ref, head)
                 .where(Repo.type == str(query.repo_type), visible_repos(principal)))
    full_name = Repo.namespace + "/" + Repo.name
    for term in query.text.split():
        statement = statement.where(full_name.icontains(term, autoescape=True))
    if author_in_sql and query.filters.get("author"):
        statement = statement.where(Repo.namespace == query.filters["author"])
    return statement.order_by(*_ORDER[query.sort], Repo.id.desc())


def facet_values(hit: RepoHit, facet: str) -> tuple[str, ...]:
    return (hit.repo.namespace,) if facet == "author" else hit.meta.facet(facet)


def _matches(hit: RepoHit, filters: Mapping[str, str], skip: str | None = None) -> bool:
    return all(value in facet_values(hit, name) for name, value in filters.items() if name != skip)


def _facet_counts(hits: list[RepoHit], filters: Mapping[str, str]) -> dict[str, list[tuple[str, int]]]:
    """Each facet counted under every other active filter, so a count says what picking that value yields."""
    out = {}
    for facet in FACETS:
        counts = Counter(value for hit in hits if _matches(hit, filters, skip=facet)
                         for value in facet_values(hit, facet))
        shown = counts.most_common(FACET_VALUES_SHOWN)
        selected = filters.get(facet)
        if selected and selected not in dict(shown):
            shown.append((selected, counts.get(selected, 0)))
        out[facet] = shown
    return out
