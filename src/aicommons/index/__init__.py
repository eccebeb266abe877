"""The metadata index: each commit's card fields and file facts, so search, facets and lineage answer without
reading blobs. Query it with `aicommons.index.search` (search_repos, facet_counts, languages_summary)."""

from __future__ import annotations

INDEX_JOB = "index.commit"


def install(hub) -> None:
    """Index every commit after it is made: a post-commit hook, and a job for commits with large new weights."""
    from aicommons.index.indexer import on_commit, run_index_job

    if on_commit not in hub.post_commit_hooks:
        hub.on_commit(on_commit)
    hub.jobs.handler(INDEX_JOB)(run_index_job)


def card_metadata(hub, repo, commit_oid: str) -> dict:
    """What the licence engine reads: the commit's normalised card fields (CardMetadata.to_dict()), plus
    `card_error` when its card could not be read and `warnings`, indexing the commit first if needed."""
    from aicommons.index.indexer import ensure_indexed

    row = ensure_indexed(hub, repo, commit_oid)
    return {**row.card, "card_error": row.card_error, "warnings": row.card_warnings}
