"""Webhook settings in the browser: the caller's webhooks, a form for a new one, and each one's delivery log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from aicommons.accounts.principal import Principal
from aicommons.community import webhooks
from aicommons.errors import InvalidInput
from aicommons.web.community.urls import webhook_url
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in
from aicommons.web.templates import render

router = APIRouter(route_class=WebRoute)


def parse_watched(text: str) -> list[dict]:
    """``model:alice/x, user:alice`` (commas or new lines) as the watched list the core takes."""
    watched = []
    for item in text.replace("\n", ",").split(","):
        kind, _, name = item.strip().partition(":")
        if item.strip():
            if not name:
                raise InvalidInput("watched", f"write each watched item as type:name, e.g. model:alice/x ({item!r})")
            watched.append({"type": kind.strip(), "name": name.strip()})
    return watched


def _list_page(request: Request, principal: Principal, status: int = 200, **extra):
    return render(request, "community/webhooks.html", {
        "webhooks": webhooks.list_webhooks(request.app.state.hub, principal), "domains": webhooks.DOMAINS, **extra},
        status=status)


@router.get("/settings/webhooks")
def webhook_list(request: Request, principal: Principal = Depends(signed_in)):
    return _list_page(request, principal)


@router.post("/settings/webhooks")
def create(request: Request, principal: Principal = Depends(form_user), url: str = Form(""),
           watched: str = Form(""), secret: str = Form(""), repo_events: str = Form(""),
           discussion_events: str = Form("")):
    domains = [d for d, on in (("repo", repo_events), ("discussion", discussion_events)) if on]
    try:
        view = webhooks.create_webhook(request.app.state.hub, principal, url.strip(), parse_watched(watched),
                                       domains or None, secret or None)
    except InvalidInput as error:
        return _list_page(request, principal, 400, error=error.message, form={"url": url, "watched": watched})
    return see_other(webhook_url(view.id), "webhook-saved")


@router.get("/settings/webhooks/{webhook_id}")
def detail(request: Request, webhook_id: str, principal: Principal = Depends(signed_in)):
    hub = request.app.state.hub
    return render(request, "community/webhook.html", {
        "webhook": webhooks.get_webhook(hub, principal, webhook_id),
        "deliveries": webhooks.deliveries(hub, principal, webhook_id)})


@router.post("/settings/webhooks/{webhook_id}/toggle")
def toggle(request: Request, webhook_id: str, principal: Principal = Depends(form_user)):
    hub = request.app.state.hub
    current = webhooks.get_webhook(hub, principal, webhook_id)
    webhooks.set_disabled(hub, principal, webhook_id, not current.disabled)
    return see_other(webhook_url(webhook_id), "webhook-saved")


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete(request: Request, webhook_id: str, principal: Principal = Depends(form_user)):
    webhooks.delete_webhook(request.app.state.hub, principal, webhook_id)
    return see_other(webhook_url(), "webhook-deleted")
