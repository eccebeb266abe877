"""Webhooks: ``get/list/create/update/enable/disable/delete_webhook``, and each webhook's delivery log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of, principal_of
from aicommons.api.hf.context import json_body
from aicommons.api.hf.dates import iso_date
from aicommons.community import webhooks
from aicommons.community.webhooks import WebhookView
from aicommons.errors import InvalidInput

router = APIRouter()
BASE = "/api/settings/webhooks"


def webhook_json(view: WebhookView) -> dict:
    return {"id": view.id, "url": view.url, "secret": view.secret, "domains": list(view.domains),
            "watched": [{"type": kind, "name": name} for kind, name in view.watched], "disabled": view.disabled,
            "createdAt": iso_date(view.created_at)}


def _no_jobs(data: dict) -> None:
    if data.get("jobSourceId") is not None:
        raise InvalidInput("jobSourceId", "this hub runs no Jobs: give the webhook a 'url'")


@router.get(BASE, summary="The caller's webhooks")
def list_webhooks(request: Request) -> list[dict]:
    return [webhook_json(v) for v in webhooks.list_webhooks(hub_of(request), principal_of(request))]


@router.post(BASE, summary="Create a webhook (`watched`, `url`, optional `domains` and `secret`)")
async def create_webhook(request: Request) -> dict:
    data = await json_body(request)
    _no_jobs(data)

    def run():
        view = webhooks.create_webhook(hub_of(request), principal_of(request), data.get("url"), data.get("watched"),
                                       data.get("domains"), data.get("secret"))
        return {"webhook": webhook_json(view)}

    return await run_in_threadpool(run)


@router.get(BASE + "/{webhook_id}", summary="A webhook")
def get_webhook(webhook_id: str, request: Request) -> dict:
    return {"webhook": webhook_json(webhooks.get_webhook(hub_of(request), principal_of(request), webhook_id))}


@router.post(BASE + "/{webhook_id}", summary="Change a webhook (an empty `watched` keeps the current list)")
async def update_webhook(webhook_id: str, request: Request) -> dict:
    data = await json_body(request)
    _no_jobs(data)

    def run():
        view = webhooks.update_webhook(hub_of(request), principal_of(request), webhook_id, url=data.get("url"),
                                       watched=data.get("watched"), domains=data.get("domains"),
                                       secret=data.get("secret"))
        return {"webhook": webhook_json(view)}

    return await run_in_threadpool(run)


@router.post(BASE + "/{webhook_id}/enable", summary="Enable a webhook")
def enable(webhook_id: str, request: Request) -> dict:
    return {"webhook": webhook_json(webhooks.set_disabled(hub_of(request), principal_of(request), webhook_id, False))}


@router.post(BASE + "/{webhook_id}/disable", summary="Disable a webhook")
def disable(webhook_id: str, request: Request) -> dict:
    return {"webhook": webhook_json(webhooks.set_disabled(hub_of(request), principal_of(request), webhook_id, True))}


@router.delete(BASE + "/{webhook_id}", summary="Delete a webhook")
def delete(webhook_id: str, request: Request) -> dict:
    webhooks.delete_webhook(hub_of(request), principal_of(request), webhook_id)
    return {}


@router.get(BASE + "/{webhook_id}/deliveries", summary="A webhook's delivery log, newest first")
def deliveries(webhook_id: str, request: Request) -> list[dict]:
    return [{"id": d.id, "scope": d.scope, "action": d.action, "status": d.status, "attempts": d.attempts,
             "responseStatus": d.response_status, "error": d.error, "createdAt": iso_date(d.created_at),
             "lastAttemptAt": iso_date(d.last_attempt_at) if d.last_attempt_at else None}
            for d in webhooks.deliveries(hub_of(request), principal_of(request), webhook_id)]
