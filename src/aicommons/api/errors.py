"""Domain errors as HTTP answers. Codes and headers follow the Hub, so huggingface_hub raises the right
exception: X-Error-Code names the error, X-Error-Message and a JSON body carry the message."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from aicommons import errors

STATUS = [
    (errors.RepoNotFound, 404, "RepoNotFound"),
    (errors.RevisionNotFound, 404, "RevisionNotFound"),
    (errors.EntryNotFound, 404, "EntryNotFound"),
    (errors.NotFound, 404, None),
    (errors.InvalidInput, 400, None),
    (errors.Conflict, 409, None),
    (errors.StaleParent, 412, None),
    (errors.Unauthorized, 401, None),
    (errors.Forbidden, 403, None),
]


def error_response(status: int, message: str, code: str | None = None, headers: dict | None = None,
                   body: dict | None = None) -> JSONResponse:
    out_headers = {"X-Error-Message": _header_safe(message), **(headers or {})}
    if code:
        out_headers["X-Error-Code"] = code
    return JSONResponse({"error": message, **(body or {})}, status_code=status, headers=out_headers)


def hub_error_response(error: errors.HubError) -> JSONResponse:
    if isinstance(error, errors.GatedRepo):
        return error_response(403 if error.authenticated else 401, error.message, "GatedRepo")
    for kind, status, code in STATUS:
        if isinstance(error, kind):
            headers = {}
            if isinstance(error, errors.EntryNotFound) and error.commit:
                headers["X-Repo-Commit"] = error.commit
            return error_response(status, error.message, code, headers)
    return error_response(400, error.message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.HubError)
    async def _hub_error(_request: Request, error: errors.HubError):
        return hub_error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        return error_response(422, f"Invalid request: {problems}")


def _header_safe(message: str) -> str:
    return message.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")[:1000]
