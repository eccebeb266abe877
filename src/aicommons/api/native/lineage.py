"""Native API routes of the metadata index: a model's lineage (JSON and SVG), a card's report, languages."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from aicommons.cards.metadata import CardMetadata
from aicommons.cards.references import reference_warnings
from aicommons.index.indexer import ensure_indexed
from aicommons.index.search import languages_summary
from aicommons.lineage.graph import lineage_graph
from aicommons.lineage.svg import render_lineage_svg
from aicommons.repos import revisions
from aicommons.repos.manage import visible_repo
from aicommons.repos.names import RepoType

router = APIRouter(tags=["lineage"])
Revision = Query(None, description="Branch, tag or commit; the main branch when absent.")


def _context(request: Request):
    # imported here: api.app imports this module while it is being built
    from aicommons.api.app import hub_of, principal_of

    return hub_of(request), principal_of(request)


@router.get("/api/models/{namespace}/{name}/lineage")
def model_lineage(request: Request, namespace: str, name: str, revision: Optional[str] = Revision) -> dict:
    """Ancestors and descendants of a model: nodes, and edges with their relation, evidence (declared or
    inferred, and from what), tensor verification and whether the base moved since; notices and duplicates."""
    hub, principal = _context(request)
    repo = visible_repo(hub, principal, RepoType.MODEL, f"{namespace}/{name}")
    return lineage_graph(hub, principal, repo, revision).to_dict()


@router.get("/api/models/{namespace}/{name}/lineage.svg", response_class=Response)
def model_lineage_svg(request: Request, namespace: str, name: str, revision: Optional[str] = Revision) -> Response:
    """The lineage drawn as an SVG picture (the repo page's lineage panel)."""
    hub, principal = _context(request)
    repo = visible_repo(hub, principal, RepoType.MODEL, f"{namespace}/{name}")
    svg = render_lineage_svg(lineage_graph(hub, principal, repo, revision))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=30"})


@router.get("/api/models/{namespace}/{name}/card-report")
@router.get("/api/datasets/{namespace}/{name}/card-report")
def card_report(request: Request, namespace: str, name: str, revision: Optional[str] = Revision) -> dict:
    """What the repo page shows about a card: its normalised metadata, an error if it could not be read,
    and warnings (unknown licence ids, language codes and task ids; repos it names that this hub lacks)."""
    hub, principal = _context(request)
    repo_type = RepoType.DATASET if request.url.path.startswith("/api/datasets/") else RepoType.MODEL
    repo = visible_repo(hub, principal, repo_type, f"{namespace}/{name}")
    with hub.db.read() as session:
        commit_oid = revisions.resolve(session, repo.id, revision).commit_oid
    row = ensure_indexed(hub, repo, commit_oid)
    meta = CardMetadata.from_dict(row.card)
    return {"commit": commit_oid, "has_card": row.has_card, "error": row.card_error, "metadata": row.card,
            "warnings": row.card_warnings + reference_warnings(hub, principal, meta, repo.type)}


@router.get("/api/languages", tags=["index"])
def languages(request: Request) -> dict:
    """Every language with its number of models and datasets; under_served marks those with few or none."""
    hub, principal = _context(request)
    return {"languages": [{"code": lang.code, "name": lang.name, "models": lang.models, "datasets": lang.datasets,
                           "under_served": lang.under_served} for lang in languages_summary(hub, principal)]}
