"""Run a model: ``POST /api/models/{namespace}/{name}/infer`` with ``{inputs, parameters, stream, task}``.

Text generation streams as server-sent events when ``stream`` is true: ``{"token": {"text": ...}}`` events as
text arrives, then one ``{"generated_text": ..., "details": {...}}`` event (or ``{"error": ...}``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from aicommons.api.app import principal_of
from aicommons.api.errors import error_response
from aicommons.errors import HubError, InvalidInput
from aicommons.inference import runners, tasks
from aicommons.inference.errors import Overloaded, Unavailable
from aicommons.inference.generation import generate, generation_params
from aicommons.inference.service import InferenceService
from aicommons.inference.targets import Target, find_target

router = APIRouter(tags=["inference"])
DEFAULT_NEW_TOKENS = 50


class InferRequest(BaseModel):
    inputs: Any = Field(description="Text, a list of texts, {source_sentence, sentences} or {data: {column: "
                                    "[values]}}, by task")
    parameters: dict = Field(default_factory=dict)
    stream: bool = False
    task: str | None = Field(None, description="One of the tasks the model supports; its default otherwise")


def service_of(request: Request) -> InferenceService:
    return request.app.state.inference


async def target_of(request: Request, repo_id: str, revision: str | None, task: str | None) -> Target:
    """The model this caller may run (404 for a model it may not see), resolved off the event loop."""
    principal = await run_in_threadpool(principal_of, request)
    return await run_in_threadpool(find_target, service_of(request).kinds, principal, repo_id, revision, task)


@router.post("/api/models/{namespace}/{name}/infer")
async def infer(request: Request, namespace: str, name: str, body: InferRequest, revision: str | None = None):
    """Run the model on ``inputs`` (text-generation, fill-mask, feature-extraction, sentence-similarity,
    text-classification, tabular-classification, tabular-regression)."""
    service = service_of(request)
    target = await target_of(request, f"{namespace}/{name}", revision, body.task)
    if target.task == tasks.TEXT_GENERATION:
        return await _generate(service, target, body)
    checked = runners.check_request(target.task, body.inputs, body.parameters, service.settings)
    return await service.execute(target, lambda model, _deadline: runners.run(model, checked))


async def _generate(service: InferenceService, target: Target, body: InferRequest):
    prompt = body.inputs
    if not isinstance(prompt, str):
        raise InvalidInput("inputs", "text-generation takes a string prompt as inputs")
    if len(prompt) > service.settings.max_input_chars:
        raise InvalidInput("inputs", f"the prompt (inputs) has {len(prompt)} characters; at most "
                           f"{service.settings.max_input_chars}")
    params = generation_params(body.parameters, max_new_tokens_limit=service.settings.max_new_tokens,
                               default_new_tokens=min(DEFAULT_NEW_TOKENS, service.settings.max_new_tokens))
    full_text = body.parameters.get("return_full_text", False)
    if not isinstance(full_text, bool):
        raise InvalidInput("return_full_text", "return_full_text must be true or false")
    prefix = prompt if full_text else ""
    if not body.stream:
        result = await service.execute(target, lambda model, deadline: generate(
            model, prompt, params, deadline=deadline, cancel=threading.Event()))
        return [{"generated_text": prefix + result.text, "details": result.details()}]
    events = await service.stream(target, lambda model, deadline, on_text, cancel: generate(
        model, prompt, params, deadline=deadline, cancel=cancel, on_text=on_text))

    def encode(kind: str, value) -> str:
        if kind == "text":
            return sse({"token": {"text": value}})
        if kind == "done":
            return sse({"generated_text": prefix + value.text, "details": value.details()})
        return sse({"error": _message(value)})

    return await sse_response(events, encode)


def _message(error: BaseException) -> str:
    return error.message if isinstance(error, HubError) else "the model failed while generating"


def sse(data) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def sse_response(events, encode) -> StreamingResponse:
    """Wait for the first event so that a request that fails at once (model refused, prompt too long) gets an
    HTTP error status; stream the rest as server-sent events."""
    first = await anext(events)
    if first[0] == "error":
        await events.aclose()
        raise first[1]

    async def body():
        try:
            yield encode(*first)
            async for kind, value in events:
                yield encode(kind, value)
        finally:
            await events.aclose()

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def install(app: FastAPI, service: InferenceService) -> None:
    """Serve the inference routes with ``service``; a full queue answers 429 with Retry-After."""
    app.state.inference = service
    app.include_router(router)

    @app.exception_handler(Overloaded)
    async def _overloaded(_request: Request, error: Overloaded):
        return error_response(429, error.message, headers={"Retry-After": str(error.retry_after)})

    @app.exception_handler(Unavailable)
    async def _unavailable(_request: Request, error: Unavailable):
        return error_response(503, error.message)
