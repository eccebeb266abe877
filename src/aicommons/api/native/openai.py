"""OpenAI-compatible endpoints for the hub's text-generation models, so existing applications and the
``openai`` client work against the hub: ``GET /v1/models``, ``POST /v1/completions``, ``POST /v1/chat/completions``
(with ``stream``). The model is a repo id, optionally ``@revision``; the API key is a hub token.
Errors come in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from aicommons.accounts.access import visible_repos
from aicommons.api.app import hub_of, principal_of
from aicommons.api.errors import error_response, hub_error_response
from aicommons.api.native.inference import service_of, sse, sse_response, target_of
from aicommons.errors import HubError, InvalidInput
from aicommons.inference import chat, tasks
from aicommons.inference.errors import Overloaded
from aicommons.inference.generation import Generation, generate, generation_params
from aicommons.inference.targets import Target
from aicommons.repos.names import RepoType
from aicommons.repos.reading import snapshot
from aicommons.storage.tables import Repo

MAX_LISTED_MODELS = 1000
UNSUPPORTED_IF_SET = ("logprobs", "top_logprobs", "tools", "functions", "response_format", "logit_bias")
FINISH_REASONS = {"stop": "stop", "length": "length", "time": "length", "cancelled": "stop"}


class OpenAIRoute(APIRoute):
    """Answers errors in OpenAI's JSON shape (clients read ``error.message``)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def wrapped(request: Request):
            try:
                return await handler(request)
            except Overloaded as error:
                return _error(429, error.message, "rate_limit_exceeded", {"Retry-After": str(error.retry_after)})
            except HubError as error:
                generic = hub_error_response(error)
                param = getattr(error, "field", None)
                return _error(generic.status_code, error.message, _error_type(generic.status_code), param=param)
            except RequestValidationError as error:
                problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors())
                return _error(400, f"Invalid request: {problems}", "invalid_request_error")

        return wrapped


def _error(status: int, message: str, kind: str, headers: dict | None = None, param: str | None = None):
    return error_response(status, message, headers=headers, body={
        "error": {"message": message, "type": kind, "param": param, "code": None}})


def _error_type(status: int) -> str:
    return {401: "authentication_error", 403: "permission_error", 404: "not_found_error"}.get(
        status, "invalid_request_error" if status < 500 else "api_error")


router = APIRouter(tags=["openai"], route_class=OpenAIRoute)


class Sampling(BaseModel):
    model_config = ConfigDict(extra="allow")  # OpenAI fields this hub does not use are accepted and ignored

    model: str
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    n: int = 1
    stream: bool = False
    stop: str | list[str] | None = None
    stream_options: dict | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None


class CompletionRequest(Sampling):
    prompt: str | list[str]
    echo: bool = False


class ChatRequest(Sampling):
    messages: list[dict]
    max_completion_tokens: int | None = None


class ModelCard(BaseModel):
    id: str
    object: str = "model"
    created: int
    owned_by: str


@router.get("/v1/models")
async def list_models(request: Request) -> dict:
    """The text-generation models this caller may use."""
    hub, kinds = hub_of(request), service_of(request).kinds
    principal = await run_in_threadpool(principal_of, request)

    def listed() -> list[dict]:
        with hub.db.read() as session:
            repos = list(session.scalars(select(Repo).where(Repo.type == str(RepoType.MODEL), visible_repos(principal))
                                         .order_by(Repo.namespace, Repo.name).limit(MAX_LISTED_MODELS)))
        out = []
        for repo in repos:
            kind = kinds.of(repo, snapshot(hub, repo, None))
            if kind is not None and tasks.TEXT_GENERATION in kind.tasks:
                out.append(_card(repo).model_dump())
        return out

    return {"object": "list", "data": await run_in_threadpool(listed)}


@router.get("/v1/models/{model:path}")
async def get_model(request: Request, model: str) -> dict:
    target = await _target(request, model)
    return _card(target.repo).model_dump()


@router.post("/v1/completions")
async def completions(request: Request, body: CompletionRequest):
    prompt = body.prompt if isinstance(body.prompt, str) else _single(body.prompt)
    return await _respond(request, body, "text_completion", "cmpl", lambda _tokenizer: (prompt, True),
                          echo=prompt if body.echo else "")


@router.post("/v1/chat/completions")
async def chat_completions(request: Request, body: ChatRequest):
    messages = chat.check_messages(body.messages)
    return await _respond(request, body, "chat.completion", "chatcmpl",
                          lambda tokenizer: (chat.render(tokenizer, messages), False))


def _single(prompts: list[str]) -> str:
    if len(prompts) != 1:
        raise InvalidInput("prompt", "one prompt per request (a list must hold exactly one)")
    return prompts[0]


async def _target(request: Request, model: str) -> Target:
    repo_id, _, revision = model.partition("@")
    target = await target_of(request, repo_id, revision or None, None)
    if tasks.TEXT_GENERATION not in target.kind.tasks:
        raise InvalidInput("model", f"{repo_id} is a {target.task} model, not a text-generation model")
    return Target(target.repo, target.snap, target.kind, tasks.TEXT_GENERATION)


def _card(repo: Repo) -> ModelCard:
    return ModelCard(id=repo.repo_id, created=int(repo.created_at.timestamp()), owned_by=repo.namespace)


async def _respond(request: Request, body: Sampling, object_name: str, id_prefix: str,
                   make_prompt: Callable[[Any], tuple[str, bool]], echo: str = ""):
    """Shared by both endpoints: ``make_prompt(tokenizer)`` gives the prompt and whether to add special tokens."""
    _check_supported(body)
    service = service_of(request)
    target = await _target(request, body.model)
    limit = service.settings.max_new_tokens
    requested = getattr(body, "max_completion_tokens", None) or body.max_tokens
    params = generation_params({"max_new_tokens": requested, "temperature": body.temperature, "top_p": body.top_p,
                                "stop": body.stop}, max_new_tokens_limit=limit,
                               default_new_tokens=16 if object_name == "text_completion" else limit)
    chat_style = object_name == "chat.completion"
    ident, created = f"{id_prefix}-{uuid.uuid4().hex}", int(time.time())

    def work(model, deadline, on_text=None, cancel=None) -> Generation:
        prompt, special = make_prompt(model.tokenizer)
        return generate(model, prompt, params, deadline=deadline, cancel=cancel or threading.Event(),
                        on_text=on_text, add_special_tokens=special)

    if not body.stream:
        result = await service.execute(target, work)
        finish = FINISH_REASONS[result.finish_reason]
        choice = ({"index": 0, "message": {"role": "assistant", "content": result.text}, "finish_reason": finish}
                  if chat_style else
                  {"index": 0, "text": echo + result.text, "logprobs": None, "finish_reason": finish})
        return {"id": ident, "object": object_name, "created": created, "model": body.model, "choices": [choice],
                "usage": _usage(result)}

    include_usage = bool((body.stream_options or {}).get("include_usage"))
    chunk_object = "chat.completion.chunk" if chat_style else "text_completion"

    def chunk(choice: dict, usage: dict | None = None) -> dict:
        out = {"id": ident, "object": chunk_object, "created": created, "model": body.model,
               "choices": [choice] if choice else []}
        if include_usage:
            out["usage"] = usage
        return out

    def piece(text: str, finish: str | None = None) -> dict:
        if chat_style:
            return {"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}
        return {"index": 0, "text": text, "logprobs": None, "finish_reason": finish}

    events = await service.stream(target, work)
    opened = [False]

    def encode(kind: str, value) -> str:
        head = ""
        if not opened[0]:
            opened[0] = True
            if chat_style:
                head = sse(chunk({"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}))
            elif echo:
                head = sse(chunk(piece(echo)))
        if kind == "text":
            return head + sse(chunk(piece(value)))
        if kind == "error":
            message = value.message if isinstance(value, HubError) else "the model failed while generating"
            return head + sse({"error": {"message": message, "type": "api_error", "param": None, "code": None}})
        tail = sse(chunk(piece("", FINISH_REASONS[value.finish_reason])))
        if include_usage:
            tail += sse(chunk({}, _usage(value)))
        return head + tail + "data: [DONE]\n\n"

    return await sse_response(events, encode)


def _check_supported(body: Sampling) -> None:
    if body.n != 1:
        raise InvalidInput("n", "this hub returns one choice per request (n must be 1)")
    for name in UNSUPPORTED_IF_SET:
        if (body.model_extra or {}).get(name) not in (None, False, [], {}):
            raise InvalidInput(name, f"{name} is not supported by this hub")
    for name in ("frequency_penalty", "presence_penalty"):
        if getattr(body, name):
            raise InvalidInput(name, f"{name} is not supported by this hub")


def _usage(result: Generation) -> dict:
    return {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.generated_tokens,
            "total_tokens": result.prompt_tokens + result.generated_tokens}
