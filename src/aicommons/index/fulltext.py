"""Full-text search over repo names and cards: one query, two backends.

SQLite: an FTS5 table over index_search_docs (prefix matching, bm25 rank). PostgreSQL: a `simple` tsvector
expression index (prefix matching, ts_rank). On both, a case-insensitive substring of 'namespace/name' also
matches, so a part of a name finds its repo whatever the tokenizer made of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, bindparam, column, false, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from aicommons.index.tables import SEARCH_FTS_TABLE, SearchDoc
from aicommons.storage.tables import Repo

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16


@dataclass(frozen=True)
class TextMatch:
    condition: ColumnElement[bool]  # true for repos the query matches
    ranked: Subquery  # (repo_id, score): higher is better, only repos whose text matches


def text_match(session: Session, query: str) -> TextMatch:
    terms = [term.lower() for term in _WORD.findall(query)][:MAX_TERMS]
    name_match = func.lower(Repo.namespace + "/" + Repo.name).contains(query.strip().lower(), autoescape=True)
    if not terms:
        nothing = select(Repo.id.label("repo_id"), literal_column("0.0").label("score")).where(false()).subquery()
        return TextMatch(name_match, nothing)
    if session.get_bind().dialect.name == "postgresql":
        ranked = _postgres(terms)
    else:
        ranked = _sqlite(terms)
    return TextMatch(or_(name_match, Repo.id.in_(select(ranked.c.repo_id))), ranked)


def _sqlite(terms: list[str]):
    fts = table(SEARCH_FTS_TABLE, column("rowid"), column("rank"))
    expression = " ".join(f'"{term}"*' for term in terms)  # every term, as a prefix; quoting disarms syntax
    return (select(fts.c.rowid.label("repo_id"), (-fts.c.rank).label("score"))
            .where(literal_column(SEARCH_FTS_TABLE).op("MATCH")(bindparam("fts_query", expression)))
            .subquery())


def _postgres(terms: list[str]):
    # the same expression as the GIN index the migration creates, so the planner uses it
    document = literal_column("to_tsvector('simple', index_search_docs.name || ' ' || index_search_docs.body)")
    tsquery = func.to_tsquery("simple", bindparam("ts_query", " & ".join(f"{_pg_quote(t)}:*" for t in terms)))
    return (select(SearchDoc.repo_id.label("repo_id"), func.ts_rank(document, tsquery).label("score"))
            .where(document.op("@@")(tsquery))
            .subquery())


def _pg_quote(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'"
