"""Gated repos: visible to everyone who may see the repo, but their files only to users given access.

A publisher gates a repo in ``auto`` mode (every request is accepted at once) or ``manual`` mode (a
maintainer decides). The request form is the publisher's own: the card's ``extra_gated_*`` metadata.
Maintainers (write rights over the owner) and hub admins are never gated; private beats gated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from aicommons.accounts.access import can_write
from aicommons.accounts.principal import Principal
from aicommons.accounts.service import get_account
from aicommons.cards.frontmatter import parse_front_matter
from aicommons.community.common import is_maintainer, new_object_id, require_user, settings_of
from aicommons.community.tables import AccessRequest, RepoCommunity
from aicommons.errors import Forbidden, GatedRepo, InvalidInput, NotFound
from aicommons.hub import Hub
from aicommons.repos.objects import utcnow
from aicommons.repos.reading import read_text, snapshot
from aicommons.storage.tables import Account, Repo

MODES = ("auto", "manual")
REQUEST_STATUSES = ("pending", "accepted", "rejected")
# what a gated repo still shows to everyone: its card, and the attributes that say how its files are stored
ALWAYS_READABLE = frozenset({"README.md", ".gitattributes"})
FIELD_TYPES = ("text", "checkbox", "date_picker", "country", "select")
MAX_REJECTION_REASON = 200
MAX_ANSWER_CHARS = 1000


@dataclass(frozen=True)
class GateField:
    name: str
    type: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for selects


@dataclass(frozen=True)
class GateForm:
    heading: str
    prompt: str
    button: str
    fields: tuple[GateField, ...]
    problem: str | None = None  # the card's gate metadata could not be read as written


@dataclass(frozen=True)
class AccessRequestView:
    id: str
    user: str
    fullname: str
    email: str | None
    status: str
    timestamp: dt.datetime
    fields: dict
    rejection_reason: str | None


def gate_mode(hub: Hub, repo: Repo) -> str | None:
    return settings_of(hub, repo).gated


def set_gate_mode(session: Session, repo: Repo, mode: str | None, row: RepoCommunity) -> None:
    if mode not in (None, *MODES):
        raise InvalidInput("gated", f"gated must be false, 'auto' or 'manual', not {mode!r}")
    row.gated = mode
    if mode == "auto":  # switching to automatic approval settles the requests still waiting
        for request in session.scalars(select(AccessRequest).where(AccessRequest.repo_id == repo.id,
                                                                   AccessRequest.status == "pending")):
            request.status, request.updated_at = "accepted", utcnow()


def gated_condition(gated: bool) -> ColumnElement[bool]:
    """A WHERE clause on repos: gated ones (``True``) or open ones (``False``), for lists."""
    gated_ids = select(RepoCommunity.repo_id).where(RepoCommunity.gated.is_not(None))
    return Repo.id.in_(gated_ids) if gated else Repo.id.not_in(gated_ids)


def has_access(hub: Hub, principal: Principal, repo: Repo) -> bool:
    if gate_mode(hub, repo) is None or is_maintainer(principal, repo):
        return True
    if principal.anonymous:
        return False
    with hub.db.read() as session:
        return session.scalar(select(AccessRequest.status).where(
            AccessRequest.repo_id == repo.id, AccessRequest.user_id == principal.user_id)) == "accepted"


def check_access(hub: Hub, principal: Principal, repo: Repo) -> None:
    """Raise GatedRepo (401 anonymous, 403 signed in) unless the caller may use the repo's files."""
    if has_access(hub, principal, repo):
        return
    label = f"{repo.type} {repo.repo_id}"
    if principal.anonymous:
        raise GatedRepo(f"Access to {label} is restricted. You must have access to it and be authenticated to "
                        "access it. Please log in.", authenticated=False)
    raise GatedRepo(f"Access to {label} is restricted and you are not in the authorized list. "
                    f"Visit {_repo_page(hub, repo)} to ask for access.", authenticated=True)


def check_file_access(hub: Hub, principal: Principal, repo: Repo, path: str | None = None) -> None:
    """The one rule for serving a file of a repo the caller may see: gated files need access, the card never."""
    if path not in ALWAYS_READABLE:
        check_access(hub, principal, repo)


def download_rule(hub: Hub, principal: Principal, repo: Repo, download) -> None:
    """``check_file_access`` as one of the hub's download checks (``download`` is a hub.DownloadRequest)."""
    check_file_access(hub, principal, repo, download.path)


def gate_form(hub: Hub, repo: Repo) -> GateForm:
    """The request form from the card at the default branch (``extra_gated_heading/prompt/fields/button_content``)."""
    text = read_text(hub, snapshot(hub, repo, None), "README.md") or ""
    try:
        meta = parse_front_matter(text) or {}
    except ValueError as error:
        meta, problem = {}, f"the card's metadata cannot be read: {error}"
    else:
        problem = None
    fields, field_problem = _fields(meta.get("extra_gated_fields"))
    return GateForm(
        heading=_text(meta.get("extra_gated_heading")) or f"You need to agree to share your contact information "
                                                          f"to access this {repo.type}",
        prompt=_text(meta.get("extra_gated_prompt")) or "The publisher of this repo asks you to share your contact "
                                                         "information (username and e-mail) to access its files.",
        button=_text(meta.get("extra_gated_button_content")) or "Agree and access repository",
        fields=fields, problem=problem or field_problem)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _fields(raw) -> tuple[tuple[GateField, ...], str | None]:
    if raw is None:
        return (), None
    if not isinstance(raw, dict):
        return (), "extra_gated_fields must map field names to types"
    fields = []
    for name, spec in raw.items():
        kind, options = (spec, []) if isinstance(spec, str) else (
            (spec.get("type"), spec.get("options") or []) if isinstance(spec, dict) else (None, []))
        if kind not in FIELD_TYPES:
            return tuple(fields), f"extra_gated_fields: {name!r} has unknown type {kind!r}"
        choices = []
        for option in options if isinstance(options, list) else []:
            if isinstance(option, dict):
                choices.append((str(option.get("value", option.get("label", ""))), str(option.get("label", ""))))
            else:
                choices.append((str(option), str(option)))
        fields.append(GateField(str(name), kind, tuple(choices)))
    return tuple(fields), None


def check_answers(form: GateForm, answers: dict) -> dict:
    """The answers the form asks for, checked: every field is required, checkboxes must be ticked."""
    clean = {}
    for field in form.fields:
        value = answers.get(field.name)
        if field.type == "checkbox":
            if value not in (True, "on", "true", "1", "yes"):
                raise InvalidInput(field.name, f"tick '{field.name}' to request access")
            clean[field.name] = True
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(field.name, f"'{field.name}' is required")
        value = value.strip()[:MAX_ANSWER_CHARS]
        if field.type == "select" and value not in {v for v, _ in field.options}:
            raise InvalidInput(field.name, f"choose one of the options for '{field.name}'")
        if field.type == "date_picker":
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                raise InvalidInput(field.name, f"'{field.name}' must be a date (YYYY-MM-DD)") from None
        clean[field.name] = value
    return clean


def ask_access(hub: Hub, principal: Principal, repo: Repo, answers: dict) -> str:
    """Request access with the form's answers; returns the request's status ('accepted' at once in auto mode)."""
    user_id = require_user(principal, "request access")
    mode = gate_mode(hub, repo)
    if mode is None:
        raise InvalidInput("gated", f"{repo.repo_id} is not gated: its files are open to all who can see it")
    if is_maintainer(principal, repo):
        raise InvalidInput("user", f"you maintain {repo.repo_id} and already have access")
    fields = check_answers(gate_form(hub, repo), answers)
    now = utcnow()
    with hub.db.write() as session:
        request = _request_of(session, repo, user_id)
        if request is None:
            request = AccessRequest(oid=new_object_id(), repo_id=repo.id, user_id=user_id, fields=fields,
                                    status="accepted" if mode == "auto" else "pending", granted=False,
                                    created_at=now, updated_at=now)
            session.add(request)
        elif request.status == "rejected":
            raise Forbidden(f"Your request for {repo.repo_id} was rejected; you cannot request it again")
        elif request.status == "pending":
            request.fields, request.updated_at = fields, now
        return request.status


def my_request(hub: Hub, principal: Principal, repo: Repo) -> AccessRequestView | None:
    if principal.anonymous:
        return None
    with hub.db.read() as session:
        request = _request_of(session, repo, principal.user_id)
        return _view(request, session.get(Account, principal.user_id)) if request else None


def list_requests(hub: Hub, principal: Principal, repo: Repo, status: str) -> list[AccessRequestView]:
    _check_manager(hub, principal, repo)
    if status not in REQUEST_STATUSES:
        raise InvalidInput("status", f"status must be one of {', '.join(REQUEST_STATUSES)}")
    with hub.db.read() as session:
        rows = session.execute(select(AccessRequest, Account).join(Account, Account.id == AccessRequest.user_id)
                               .where(AccessRequest.repo_id == repo.id, AccessRequest.status == status)
                               .order_by(AccessRequest.updated_at.desc(), AccessRequest.id.desc())).all()
        return [_view(request, account) for request, account in rows]


def handle_request(hub: Hub, principal: Principal, repo: Repo, status: str, *, user: str | None = None,
                   request_id: str | None = None, rejection_reason: str | None = None) -> AccessRequestView:
    """Accept, reject, or cancel (back to pending, access removed) a user's request."""
    _check_manager(hub, principal, repo)
    if status not in REQUEST_STATUSES:
        raise InvalidInput("status", f"status must be one of {', '.join(REQUEST_STATUSES)}")
    if rejection_reason is not None:
        if not isinstance(rejection_reason, str) or len(rejection_reason) > MAX_REJECTION_REASON:
            raise InvalidInput("rejectionReason", f"a rejection reason has at most {MAX_REJECTION_REASON} characters")
    with hub.db.write() as session:
        if request_id is not None:
            request = session.scalar(select(AccessRequest).where(AccessRequest.repo_id == repo.id,
                                                                 AccessRequest.oid == str(request_id).lower()))
        elif user is not None:
            account = get_account(session, user)
            request = _request_of(session, repo, account.id) if account else None
        else:
            raise InvalidInput("user", "name the request by 'user' or 'requestId'")
        if request is None:
            raise NotFound(f"No access request from {user or request_id} for {repo.repo_id}")
        if request.status == status:
            raise NotFound(f"The request from {user or request_id} is already {status}")
        request.status, request.updated_at = status, utcnow()
        request.rejection_reason = rejection_reason if status == "rejected" else None
        session.flush()
        return _view(request, session.get(Account, request.user_id))


def grant_access(hub: Hub, principal: Principal, repo: Repo, user: str) -> AccessRequestView:
    """Give a user access without a request of theirs."""
    _check_manager(hub, principal, repo)
    now = utcnow()
    with hub.db.write() as session:
        account = get_account(session, user or "")
        if account is None or account.kind != "user":
            raise NotFound(f"No user named {user!r}")
        request = _request_of(session, repo, account.id)
        if request is not None and request.status == "accepted":
            raise InvalidInput("user", f"{user} already has access to {repo.repo_id}")
        if request is None:
            request = AccessRequest(oid=new_object_id(), repo_id=repo.id, user_id=account.id, fields={},
                                    created_at=now)
            session.add(request)
        request.status, request.granted, request.updated_at, request.rejection_reason = "accepted", True, now, None
        session.flush()
        return _view(request, account)


def _check_manager(hub: Hub, principal: Principal, repo: Repo) -> None:
    require_user(principal, "manage access requests")
    if not can_write(principal, repo):
        raise Forbidden(f"Managing access to {repo.repo_id} needs write rights (and a write token)")
    if gate_mode(hub, repo) is None:
        raise InvalidInput("gated", f"{repo.repo_id} is not gated")


def _request_of(session: Session, repo: Repo, user_id: int) -> AccessRequest | None:
    return session.scalar(select(AccessRequest).where(AccessRequest.repo_id == repo.id,
                                                      AccessRequest.user_id == user_id))


def _view(request: AccessRequest, account: Account) -> AccessRequestView:
    return AccessRequestView(request.oid, account.name, account.fullname or "",
                             None if request.granted else account.email, request.status, request.updated_at,
                             dict(request.fields or {}), request.rejection_reason)


def _repo_page(hub: Hub, repo: Repo) -> str:
    prefix = "" if repo.type == "model" else f"{repo.type}s/"
    return f"{(hub.settings.public_url or '').rstrip('/')}/{prefix}{repo.repo_id}"
