"""Webhooks: a user's subscriptions to events of repos (one repo, or every repo of a user or organisation).

Each event becomes one delivery per matching webhook whose owner may see the repo, so a private repo's
events reach nobody else. Deliveries run as jobs: a POST of the JSON payload with the ``X-Webhook-Secret``
header (as the Hub sends it) and an HMAC-SHA256 signature of the body (``X-Webhook-Signature``), retried
with backoff on errors, and logged for the settings page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn
from urllib.parse import urlsplit

import httpx
from sqlalchemy import and_, delete, or_, select

from aicommons.accounts.access import can_read
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import principal_for_user
from aicommons.community.common import new_object_id, require_user, require_writer
from aicommons.community.gating import has_access
from aicommons.community.tables import Webhook, WebhookDelivery, WebhookWatch
from aicommons.community.webhook_targets import TargetRefused, check_url, pin
from aicommons.errors import InvalidInput, NotFound
from aicommons.hub import Hub
from aicommons.repos.objects import utcnow
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.storage.tables import Account, Ref, Repo

DOMAINS = ("repo", "discussion")
WATCH_KINDS = ("user", "org", "model", "dataset")
DELIVER_JOB = "webhooks.deliver"
MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 10
MAX_SECRET_CHARS = 200
MAX_WATCHED = 100
RESPONSE_EXCERPT = 1000
PAYLOAD_VERSION = 3
SIGNATURE_HEADER = "X-Webhook-Signature"


@dataclass(frozen=True)
class WebhookView:
    id: str
    url: str
    secret: str | None
    domains: tuple[str, ...]
    watched: tuple[tuple[str, str], ...]
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class DeliveryView:
    id: int
    scope: str
    action: str
    status: str
    attempts: int
    response_status: int | None
    response_excerpt: str | None
    error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    payload: dict


class DeliveryFailed(Exception):
    """The receiver did not take the payload; the job queue tries again later."""


def sign(secret: str, body: bytes) -> str:
    """The value of X-Webhook-Signature: HMAC-SHA256 of the exact body bytes, keyed by the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- management -------------------------------------------------------------------------------------------------

def create_webhook(hub: Hub, principal: Principal, url: str, watched, domains=None, secret: str | None = None
                   ) -> WebhookView:
    owner = require_writer(principal, "create a webhook")
    url, watched, domains, secret = (_check_url(hub, url), _check_watched(watched), _check_domains(domains),
                                     _check_secret(secret))
    now = utcnow()
    with hub.db.write() as session:
        hook = Webhook(oid=new_object_id(), owner_id=owner, url=url, secret=secret, domains=list(domains),
                       disabled=False, created_at=now, updated_at=now)
        session.add(hook)
        session.flush()
        session.add_all(WebhookWatch(webhook_id=hook.id, kind=kind, name=name) for kind, name in watched)
        session.flush()
        return _view(session, hook)


def list_webhooks(hub: Hub, principal: Principal) -> list[WebhookView]:
    owner = require_user(principal, "list webhooks")
    with hub.db.read() as session:
        return [_view(session, hook) for hook in
                session.scalars(select(Webhook).where(Webhook.owner_id == owner).order_by(Webhook.id))]


def get_webhook(hub: Hub, principal: Principal, webhook_id: str) -> WebhookView:
    with hub.db.read() as session:
        return _view(session, _own(session, principal, webhook_id, change=False))


def update_webhook(hub: Hub, principal: Principal, webhook_id: str, *, url: str | None = None, watched=None,
                   domains=None, secret: str | None = None) -> WebhookView:
    """Change what is given; an empty ``watched`` keeps the current list (the client always sends the key)."""
    url = _check_url(hub, url) if url is not None else None
    watched = _check_watched(watched) if watched else None
    domains = _check_domains(domains) if domains is not None else None
    secret = _check_secret(secret) if secret is not None else None
    with hub.db.write() as session:
        hook = _own(session, principal, webhook_id)
        if url is not None:
            hook.url = url
        if domains is not None:
            hook.domains = list(domains)
        if secret is not None:
            hook.secret = secret or None
        if watched is not None:
            session.execute(delete(WebhookWatch).where(WebhookWatch.webhook_id == hook.id))
            session.add_all(WebhookWatch(webhook_id=hook.id, kind=kind, name=name) for kind, name in watched)
        hook.updated_at = utcnow()
        session.flush()
        return _view(session, hook)


def set_disabled(hub: Hub, principal: Principal, webhook_id: str, disabled: bool) -> WebhookView:
    with hub.db.write() as session:
        hook = _own(session, principal, webhook_id)
        hook.disabled, hook.updated_at = disabled, utcnow()
        session.flush()
        return _view(session, hook)


def delete_webhook(hub: Hub, principal: Principal, webhook_id: str) -> None:
    with hub.db.write() as session:
        session.delete(_own(session, principal, webhook_id))


def deliveries(hub: Hub, principal: Principal, webhook_id: str, limit: int = 50) -> list[DeliveryView]:
    """The delivery log, newest first."""
    with hub.db.read() as session:
        hook = _own(session, principal, webhook_id, change=False)
        rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                               .order_by(WebhookDelivery.id.desc()).limit(limit))
        return [DeliveryView(d.id, d.scope, d.action, d.status, d.attempts, d.response_status, d.response_excerpt,
                             d.error, d.created_at, d.last_attempt_at, d.payload) for d in rows]


def _own(session, principal: Principal, webhook_id: str, change: bool = True) -> Webhook:
    (require_writer if change else require_user)(principal, "manage webhooks")
    hook = session.scalar(select(Webhook).where(Webhook.oid == str(webhook_id).lower()))
    if hook is None or hook.owner_id != principal.user_id:
        raise NotFound(f"Webhook {webhook_id} not found")
    return hook


def _view(session, hook: Webhook) -> WebhookView:
    watched = session.execute(select(WebhookWatch.kind, WebhookWatch.name)
                              .where(WebhookWatch.webhook_id == hook.id).order_by(WebhookWatch.kind,
                                                                                   WebhookWatch.name)).all()
    return WebhookView(hook.oid, hook.url, hook.secret, tuple(hook.domains), tuple((k, n) for k, n in watched),
                       hook.disabled, hook.created_at)


def _check_url(hub: Hub, url) -> str:
    if not _is_http_url(url):
        raise InvalidInput("url", f"a webhook needs an http(s) URL, not {url!r}")
    check_url(url, hub.settings.webhook_private_targets)
    return url


def _is_http_url(url) -> bool:
    if not isinstance(url, str) or len(url) > 2000:
        return False
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError when out of range
    except ValueError:  # also a malformed IPv6 host
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_watched(watched) -> list[tuple[str, str]]:
    if not isinstance(watched, list) or not watched or len(watched) > MAX_WATCHED:
        raise InvalidInput("watched", f"watch 1 to {MAX_WATCHED} items: [{{'type': 'model', 'name': 'ns/name'}}]")
    out = []
    for item in watched:
        kind, name = (item.get("type"), item.get("name")) if isinstance(item, dict) else (None, None)
        if kind not in WATCH_KINDS or not isinstance(name, str) or not name or len(name) > 200:
            raise InvalidInput("watched", f"each watched item needs a type ({', '.join(WATCH_KINDS)}) and a name; "
                                          f"got {item!r}")
        if (kind, name) not in out:
            out.append((kind, name))
    return out


def _check_domains(domains) -> tuple[str, ...]:
    if domains is None:
        return DOMAINS
    if not isinstance(domains, list) or not domains or any(d not in DOMAINS for d in domains):
        raise InvalidInput("domains", f"domains must be a non-empty list of {', '.join(DOMAINS)}")
    return tuple(d for d in DOMAINS if d in domains)


def _check_secret(secret) -> str | None:
    if secret is None:
        return None
    if not isinstance(secret, str) or len(secret) > MAX_SECRET_CHARS or not secret.isascii():
        raise InvalidInput("secret", f"a secret is at most {MAX_SECRET_CHARS} ASCII characters")
    return secret


# --- events -----------------------------------------------------------------------------------------------------

def base_url(hub: Hub) -> str:
    return (hub.settings.public_url or "").rstrip("/")


def repo_web_url(hub: Hub, repo: Repo) -> str:
    prefix = "" if repo.type == "model" else f"{repo.type}s/"
    return f"{base_url(hub)}/{prefix}{repo.repo_id}"


def repo_event(hub: Hub, repo: Repo, scope: str, action: str, **extra) -> int:
    """Notify the webhooks watching ``repo`` of a ``repo*`` event; returns how many deliveries were queued."""
    return _dispatch(hub, repo, "repo", lambda hook_oid: _payload(hub, repo, scope, action, hook_oid, **extra))


def on_repo_change(hub: Hub, repo: Repo, action: str) -> None:
    """A repo was created or deleted: the ``repo`` event with that action."""
    repo_event(hub, repo, "repo", action)


def discussion_event(hub: Hub, repo: Repo, discussion, action: str, *, comment=None,
                     scope: str = "discussion") -> int:
    """Notify of a ``discussion`` or ``discussion.comment`` event (``discussion`` is a DiscussionView)."""
    parts = {"discussion": _discussion_json(hub, repo, discussion)}
    if comment is not None:
        parts["comment"] = {"id": comment.id, "author": {"id": comment.author or ""},
                            "content": comment.data.get("raw", ""), "hidden": bool(comment.data.get("hidden")),
                            "url": {"web": f"{parts['discussion']['url']['web']}#{comment.id}"}}
    return _dispatch(hub, repo, "discussion",
                     lambda hook_oid: _payload(hub, repo, scope, action, hook_oid, **parts))


def _dispatch(hub: Hub, repo: Repo, domain: str, build) -> int:
    queued = []
    with hub.db.write() as session:
        watching = select(WebhookWatch.webhook_id).where(
            or_(and_(WebhookWatch.kind == repo.type, WebhookWatch.name == repo.repo_id),
                and_(WebhookWatch.kind.in_(("user", "org")), WebhookWatch.name == repo.namespace)))
        hooks = session.scalars(select(Webhook).where(Webhook.disabled.is_(False), Webhook.id.in_(watching))
                                .order_by(Webhook.id)).all()
        for hook in hooks:
            if domain not in hook.domains:
                continue
            owner = principal_for_user(session, session.get(Account, hook.owner_id))
            if not can_read(owner, repo):
                continue  # a private repo's events go only to those who may see it
            if domain == "discussion" and not has_access(hub, owner, repo):
                continue  # a gated repo's discussions are behind its gate
            payload = build(hook.oid)
            delivery = WebhookDelivery(webhook_id=hook.id, scope=payload["event"]["scope"],
                                       action=payload["event"]["action"], payload=payload, status="queued",
                                       attempts=0, created_at=utcnow())
            session.add(delivery)
            session.flush()
            queued.append(delivery.id)
    for delivery_id in queued:
        hub.jobs.enqueue(DELIVER_JOB, {"delivery": delivery_id}, max_attempts=MAX_ATTEMPTS)
    return len(queued)


def _payload(hub: Hub, repo: Repo, scope: str, action: str, hook_oid: str, **parts) -> dict:
    prefix = "models" if repo.type == "model" else f"{repo.type}s"
    repo_json = {"type": repo.type, "name": repo.repo_id, "id": str(repo.id), "private": repo.private,
                 "url": {"web": repo_web_url(hub, repo), "api": f"{base_url(hub)}/api/{prefix}/{repo.repo_id}"},
                 "owner": {"id": str(repo.owner_id)}}
    if scope.startswith("repo"):
        with hub.db.read() as session:
            head = session.get(Ref, (repo.id, f"refs/heads/{DEFAULT_BRANCH}"))
        if head is not None:
            repo_json["headSha"] = head.commit_oid
    return {"event": {"action": action, "scope": scope}, "repo": repo_json, **parts,
            "webhook": {"id": hook_oid, "version": PAYLOAD_VERSION}}


def _discussion_json(hub: Hub, repo: Repo, d) -> dict:
    web = f"{repo_web_url(hub, repo)}/discussions/{d.number}"
    prefix = "models" if repo.type == "model" else f"{repo.type}s"
    out = {"id": f"{repo.id}-{d.number}", "num": d.number, "title": d.title, "status": d.status,
           "isPullRequest": d.is_pull_request, "author": {"id": d.author or ""}, "pinned": False,
           "url": {"web": web, "api": f"{base_url(hub)}/api/{prefix}/{repo.repo_id}/discussions/{d.number}"}}
    if d.is_pull_request:
        out["changes"] = {"base": d.base_ref}
        if d.merge_commit_oid:
            out["changes"]["mergeCommitId"] = d.merge_commit_oid
    return out


# --- delivery ---------------------------------------------------------------------------------------------------

def deliver(hub: Hub, payload: dict, progress) -> dict:
    """Job handler: POST one delivery; raising DeliveryFailed makes the queue retry it with backoff."""
    with hub.db.read() as session:
        delivery = session.get(WebhookDelivery, payload["delivery"])
        hook = session.get(Webhook, delivery.webhook_id) if delivery else None
        if delivery is None or hook is None:
            return {"skipped": "the webhook was deleted"}
        url, secret, body_json, hook_disabled = hook.url, hook.secret, delivery.payload, hook.disabled
    if hook_disabled:
        _record(hub, delivery.id, status="failed", error="the webhook was disabled before delivery")
        return {"skipped": "disabled"}
    body = json.dumps(body_json, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "AICommons-Webhooks/1",
               "X-Webhook-Event": body_json["event"]["scope"], "X-Webhook-Delivery": str(delivery.id)}
    if secret:
        headers["X-Webhook-Secret"] = secret
        headers[SIGNATURE_HEADER] = sign(secret, body)
    try:
        target = pin(url, hub.settings.webhook_private_targets)
    except TargetRefused as refused:  # final: asking again gets the same answer
        _record(hub, delivery.id, status="failed", error=str(refused))
        return {"skipped": "the target is not a public address"}
    except (OSError, UnicodeError) as error:
        _fail(hub, delivery, None, None, f"cannot resolve the webhook's host: {error}")
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.post(target.url, content=body, headers={**headers, **target.headers},
                                   extensions=target.extensions)
    except httpx.HTTPError as error:
        _fail(hub, delivery, None, None, f"{type(error).__name__}: {error}")
    excerpt = response.text[:RESPONSE_EXCERPT]
    if not 200 <= response.status_code < 300:
        _fail(hub, delivery, response.status_code, excerpt, f"the receiver answered {response.status_code}")
    _record(hub, delivery.id, status="delivered", response_status=response.status_code, response_excerpt=excerpt,
            error=None)
    progress(1.0, "delivered")
    return {"status": response.status_code}


def _fail(hub: Hub, delivery: WebhookDelivery, status: int | None, excerpt: str | None, error: str) -> NoReturn:
    """Log the failed attempt (final after MAX_ATTEMPTS) and raise, so the job queue retries with backoff."""
    final = delivery.attempts + 1 >= MAX_ATTEMPTS
    _record(hub, delivery.id, status="failed" if final else "retrying", response_status=status,
            response_excerpt=excerpt, error=error)
    raise DeliveryFailed(error)


def _record(hub: Hub, delivery_id: int, **values) -> None:
    with hub.db.write() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        delivery.last_attempt_at = utcnow()
        for key, value in values.items():
            setattr(delivery, key, value)
