"""Xet over HTTP: the token routes of the Hub API and the CAS service the hub serves itself."""

from fastapi import FastAPI

from aicommons.api.xet import cas, duplicate, tokens


def include_xet(app: FastAPI) -> None:
    app.include_router(tokens.router)
    app.include_router(duplicate.router)
    app.include_router(cas.router)
    app.include_router(cas.telemetry_router)
