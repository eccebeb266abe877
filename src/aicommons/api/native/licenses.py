"""Licence verdicts and AI bills of materials over HTTP."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Request

from aicommons.api.app import hub_of, principal_of
from aicommons.bom import cyclonedx_bom, spdx_bom
from aicommons.errors import InvalidInput, RepoNotFound
from aicommons.licenses import UnknownUse, verdict
from aicommons.licenses.graph import SubjectNotFound
from aicommons.licenses.hub_source import subject_source
from aicommons.openness import openness

router = APIRouter(tags=["licences"])


class BomFormat(str, Enum):
    cyclonedx = "cyclonedx"
    spdx = "spdx"


def _subject(request: Request, namespace: str, name: str, revision: str | None):
    try:
        return subject_source(hub_of(request), principal_of(request)).subject(f"{namespace}/{name}", revision)
    except SubjectNotFound:
        raise RepoNotFound(f"Repository {namespace}/{name} not found") from None


@router.get("/api/models/{namespace}/{name}/license")
def model_license(request: Request, namespace: str, name: str, revision: str | None = None,
                  use: Annotated[list[str] | None, Query()] = None) -> dict:
    """The licence verdict per intended use, traced through lineage and training data, and the openness class."""
    subject = _subject(request, namespace, name, revision)
    try:
        result = verdict(subject, use or None)
    except UnknownUse as error:
        raise InvalidInput("use", str(error)) from None
    return {**result.to_dict(), "openness": openness(subject).to_dict()}


@router.get("/api/models/{namespace}/{name}/bom")
def model_bom(request: Request, namespace: str, name: str, revision: str | None = None,
              format: BomFormat = BomFormat.cyclonedx) -> dict:
    """An AI bill of materials: CycloneDX 1.6 ML-BOM or SPDX 3.0.1 JSON-LD."""
    subject = _subject(request, namespace, name, revision)
    hub_url = str(request.base_url).rstrip("/")
    if format is BomFormat.cyclonedx:
        return cyclonedx_bom(subject, hub_url=hub_url)
    return spdx_bom(subject, hub_url=hub_url)
