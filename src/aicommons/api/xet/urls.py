"""Absolute URLs the Xet client is given: the CAS base and presigned xorb ranges."""

from __future__ import annotations

from fastapi import Request

from aicommons.api.app import hub_of

CAS_PREFIX = "/xet"


def public_base(request: Request) -> str:
    """The hub's own address as clients reach it: the configured public URL, else the request's."""
    configured = hub_of(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def cas_url(request: Request) -> str:
    return public_base(request) + CAS_PREFIX
