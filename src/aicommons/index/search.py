"""Queries over the index for lists, search, facets and the languages page. Every query keeps only the repos
the principal may see (`accounts.access.visible_repos`), so counts never reveal private repos."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, desc, distinct, exists, func, select
from sqlalchemy.orm import Session

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import Principal
from aicommons.cards import vocabulary
from aicommons.errors import InvalidInput
from aicommons.hub import Hub
from aicommons.index.fulltext import text_match
from aicommons.index.tables import IndexedCommit, IndexHead, IndexValue
from aicommons.licenses.summary import SUMMARY_FILTERS, summary_condition, summary_counts
from aicommons.storage.tables import Repo

MAX_LIMIT = 1000
SORTS = ("relevance", "downloads", "likes", "updated", "created", "name", "parameters")
# filters on a many-valued fact (index_values kind), and on a column of the indexed head
VALUE_FILTERS = {"license": "license", "language": "language", "tag": "tag", "dataset": "dataset",
                 "base_model": "base_model", "weight_format": "weight_format", "architecture": "architecture",
                 "task_category": "task_category", "size_category": "size_category"}
COLUMN_FILTERS = {"pipeline_tag": IndexedCommit.pipeline_tag, "library": IndexedCommit.library_name,
                  "model_type": IndexedCommit.model_type}
DEFAULT_FACETS = ("pipeline_tag", "library", "license", "language", "weight_format", "architecture", "tag")
UNDER_SERVED = 3  # a language with fewer repos than this is flagged on the languages page


@dataclass(frozen=True)
class SearchFilters:
    """Each field narrows the results to repos whose indexed head has that value (None: no narrowing)."""

    repo_type: str = "model"
    author: str | None = None
    license: str | None = None
    language: str | None = None
    tag: str | None = None
    dataset: str | None = None
    base_model: str | None = None
    weight_format: str | None = None
    architecture: str | None = None
    task_category: str | None = None
    size_category: str | None = None
    pipeline_tag: str | None = None
    library: str | None = None
    model_type: str | None = None
    license_conflict: str | None = None  # yes | no
    commercial: str | None = None  # the commercial-use verdict: allowed, not-allowed, ...


@dataclass(frozen=True)
class RepoSummary:
    repo_id: str
    repo_type: str
    private: bool
    created_at: datetime
    updated_at: datetime
    downloads: int
    likes: int
    commit_oid: str | None  # the indexed head; None until the repo is indexed
    pretty_name: str | None = None
    license: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    architecture: str | None = None
    parameters: int | None = None
    languages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    weight_formats: tuple[str, ...] = ()
    base_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[RepoSummary]


@dataclass(frozen=True)
class LanguageCount:
    code: str
    name: str
    models: int
    datasets: int

    @property
    def total(self) -> int:
        return self.models + self.datasets

    @property
    def under_served(self) -> bool:
        return self.total < UNDER_SERVED


def search_repos(hub: Hub, principal: Principal, query: str | None = None, filters: SearchFilters | None = None,
                 sort: str = "relevance", limit: int = 30, offset: int = 0) -> SearchPage:
    """Repos matching a full-text query and filters, visible to the principal, one page at a time."""
    filters = filters or SearchFilters()
    if sort not in SORTS:
        raise InvalidInput("sort", f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if not 0 < limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput("limit", f"limit must be 1 to {MAX_LIMIT} and offset at least 0")
    with hub.db.read() as session:
        statement = _base(principal, filters)
        score = None
        if query and query.strip():
            match = text_match(session, query)
            statement = statement.where(match.condition).outerjoin(match.ranked, match.ranked.c.repo_id == Repo.id)
            score = func.coalesce(match.ranked.c.score, 0.0)
        total = session.scalar(select(func.count()).select_from(statement.with_only_columns(Repo.id).subquery()))
        rows = session.execute(statement.order_by(*_order(sort, score, query)).limit(limit).offset(offset)).all()
        values = _values_of(session, [(repo.id, indexed.commit_oid) for repo, indexed in rows if indexed is not None])
    return SearchPage(total, [_summary(repo, indexed, values) for repo, indexed in rows])


def facet_counts(hub: Hub, principal: Principal, query: str | None = None, filters: SearchFilters | None = None,
                 facets: tuple[str, ...] = DEFAULT_FACETS, limit: int = 20) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its most common values among the matching visible repos, with repo counts."""
    filters = filters or SearchFilters()
    out = {}
    with hub.db.read() as session:
        statement = _base(principal, filters)
        if query and query.strip():
            statement = statement.where(text_match(session, query).condition)
        matching = statement.with_only_columns(Repo.id.label("repo_id"),
                                               IndexHead.commit_oid.label("commit_oid")).subquery()
        for facet in facets:
            if facet in VALUE_FILTERS:
                value = IndexValue.value
                counted = (select(value, func.count(distinct(IndexValue.repo_id)))
                           .join(matching, and_(IndexValue.repo_id == matching.c.repo_id,
                                                IndexValue.commit_oid == matching.c.commit_oid))
                           .where(IndexValue.kind == VALUE_FILTERS[facet]))
            elif facet in COLUMN_FILTERS:
                value = COLUMN_FILTERS[facet]
                counted = (select(value, func.count())
                           .join(matching, and_(IndexedCommit.repo_id == matching.c.repo_id,
                                                IndexedCommit.commit_oid == matching.c.commit_oid))
                           .where(value.is_not(None)))
            elif facet in SUMMARY_FILTERS:
                out[facet] = summary_counts(session, facet, matching)[:limit]
                continue
            elif facet == "author":  # the owning namespace, indexed or not
                value = Repo.namespace
                counted = select(value, func.count()).join(matching, Repo.id == matching.c.repo_id)
            else:
                raise InvalidInput("facets", f"unknown facet {facet!r}")
            rows = session.execute(counted.group_by(value).order_by(desc(func.count()), value).limit(limit))
            out[facet] = [(v, n) for v, n in rows]
    return out


def languages_summary(hub: Hub, principal: Principal) -> list[LanguageCount]:
    """Every language with an ISO 639-1 code, and every other language some repo uses, with the number of
    visible models and datasets in it; most served first, so the under-served ones gather at the end."""
    with hub.db.read() as session:
        rows = session.execute(
            select(IndexValue.value, Repo.type, func.count(distinct(Repo.id)))
            .join(IndexHead, IndexHead.repo_id == Repo.id)
            .join(IndexValue, and_(IndexValue.repo_id == IndexHead.repo_id,
                                   IndexValue.commit_oid == IndexHead.commit_oid))
            .where(IndexValue.kind == "language", visible_repos(principal))
            .group_by(IndexValue.value, Repo.type)
        ).all()
    counts: dict[str, dict[str, int]] = {}
    for code, repo_type, count in rows:
        counts.setdefault(code, {})[repo_type] = count
    languages = {lang.code: lang.name for lang in vocabulary.common_languages()}
    for code in counts:
        if code not in languages:
            known = vocabulary.language(code)
            languages[code] = known.name if known else code
    out = [LanguageCount(code, name, counts.get(code, {}).get("model", 0), counts.get(code, {}).get("dataset", 0))
           for code, name in languages.items()]
    return sorted(out, key=lambda lang: (-lang.total, lang.name))


def parse_hub_filters(values: list[str], repo_type: str = "model") -> SearchFilters:
    """Filters written as the Hub's `filter=` values: `license:mit`, `language:fr` (or `fr`), `dataset:x`,
    `base_model:x` (or `base_model:<relation>:x`), `license-conflict:yes`, a task id (pipeline tag), otherwise a
    tag. Filter names may be written with '-' for '_'."""
    found: dict[str, str] = {}
    names = {f.name for f in fields(SearchFilters)}
    for raw in values:
        key, sep, value = raw.partition(":")
        key = key.replace("-", "_")
        if sep and key == "base_model":
            found["base_model"] = value.split(":", 1)[-1] if value.split(":", 1)[0] in (
                "adapter", "merge", "quantized", "finetune") else value
        elif sep and key in names and key != "repo_type":
            found[key] = value
        elif raw in vocabulary.task_ids():
            found["pipeline_tag" if repo_type == "model" else "task_category"] = raw
        elif vocabulary.language(raw) is not None and len(raw) in (2, 3):
            found["language"] = raw
        else:
            found["tag"] = raw
    return replace(SearchFilters(repo_type=repo_type), **found)


def _base(principal: Principal, filters: SearchFilters) -> Select:
    statement = (select(Repo, IndexedCommit)
                 .outerjoin(IndexHead, IndexHead.repo_id == Repo.id)
                 .outerjoin(IndexedCommit, and_(IndexedCommit.repo_id == IndexHead.repo_id,
                                                IndexedCommit.commit_oid == IndexHead.commit_oid))
                 .where(Repo.type == filters.repo_type, visible_repos(principal)))
    if filters.author:
        statement = statement.where(Repo.namespace == filters.author)
    for name, kind in VALUE_FILTERS.items():
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(_has_value(kind, _normal(name, value)))
    for name, column in COLUMN_FILTERS.items():
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(column == value)
    for name in SUMMARY_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(summary_condition(name, value, Repo.id))
    return statement


def _normal(name: str, value: str) -> str:
    if name == "language":
        known = vocabulary.language(value)
        return known.code if known else value
    return value


def _has_value(kind: str, value: str) -> ColumnElement[bool]:
    return exists().where(IndexValue.repo_id == Repo.id, IndexValue.commit_oid == IndexHead.commit_oid,
                          IndexValue.kind == kind, IndexValue.value == value)


def _order(sort: str, score, query: str | None) -> list:
    if sort == "relevance" and score is not None:
        exact = func.lower(Repo.name) == query.strip().lower()
        return [desc(exact), desc(score), desc(Repo.downloads), Repo.id]
    return {
        "downloads": [desc(Repo.downloads), Repo.id],
        "likes": [desc(Repo.likes), Repo.id],
        "created": [desc(Repo.created_at), desc(Repo.id)],
        "name": [Repo.namespace, Repo.name],
        "parameters": [desc(func.coalesce(IndexedCommit.parameters, -1)), Repo.id],
    }.get(sort, [desc(Repo.updated_at), desc(Repo.id)])


def _values_of(session: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], dict[str, list[str]]]:
    out: dict[tuple[int, str], dict[str, list[str]]] = {}
    if not keys:
        return out
    repo_ids = [repo_id for repo_id, _ in keys]
    wanted = set(keys)
    rows = session.execute(select(IndexValue).where(IndexValue.repo_id.in_(repo_ids))).scalars()
    for row in rows:
        if (row.repo_id, row.commit_oid) in wanted:
            out.setdefault((row.repo_id, row.commit_oid), {}).setdefault(row.kind, []).append(row.value)
    return out


def _summary(repo: Repo, indexed: IndexedCommit | None, values) -> RepoSummary:
    base = RepoSummary(repo.repo_id, repo.type, repo.private, repo.created_at, repo.updated_at, repo.downloads,
                       repo.likes, indexed.commit_oid if indexed else None)
    if indexed is None:
        return base
    many = values.get((repo.id, indexed.commit_oid), {})
    return replace(base, pretty_name=indexed.pretty_name, pipeline_tag=indexed.pipeline_tag,
                   library_name=indexed.library_name, architecture=indexed.architecture,
                   parameters=indexed.parameters, languages=tuple(sorted(many.get("language", []))),
                   tags=tuple(sorted(many.get("tag", []))), weight_formats=tuple(sorted(many.get("weight_format", []))),
                   base_models=tuple(sorted(many.get("base_model", []))),
                   license=", ".join(sorted(many.get("license", []))) or None)
