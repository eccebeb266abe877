"""Gated repos in the browser: the request form built from the card, and the maintainers' page that sets
the gate, turns discussions off and decides on requests."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from aicommons.accounts.principal import Principal
from aicommons.community import gating
from aicommons.community.common import settings_of
from aicommons.community.repo_settings import update_settings
from aicommons.errors import Forbidden, GatedRepo, InvalidInput
from aicommons.repos.names import RepoType
from aicommons.web.community.urls import access_url, gate_url
from aicommons.web.repo_context import RepoPage, open_repo
from aicommons.web.routing import WebRoute, checked_form, form_user, see_other, signed_in
from aicommons.web.session import CSRF_FIELD
from aicommons.web.templates import render


def gated_redirect(page: RepoPage, path: str | None = None) -> RedirectResponse | None:
    """Send a viewer without access to a gated repo's files (or community tab) to its request form."""
    try:
        if path is None:
            gating.check_access(page.hub, page.principal, page.repo)
        else:
            gating.check_file_access(page.hub, page.principal, page.repo, path)
    except GatedRepo:
        return RedirectResponse(gate_url(page.repo), status_code=303)
    return None


def make_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)

    def gate_page(request: Request, page: RepoPage, status: int = 200, **extra):
        return render(request, "community/gate.html", page.context(
            "card", "main", lambda r: gate_url(page.repo), form=gating.gate_form(page.hub, page.repo),
            mode=gating.gate_mode(page.hub, page.repo), mine=gating.my_request(page.hub, page.principal, page.repo),
            has_access=gating.has_access(page.hub, page.principal, page.repo), **extra), status=status)

    @router.get("/{namespace}/{name}/gate")
    def gate(request: Request, namespace: str, name: str):
        return gate_page(request, open_repo(request, repo_type, namespace, name))

    @router.post("/{namespace}/{name}/gate")
    def ask(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
            form: FormData = Depends(checked_form)):
        answers = {key: value for key, value in form.items() if key != CSRF_FIELD}
        page = open_repo(request, repo_type, namespace, name)
        try:
            status = gating.ask_access(page.hub, principal, page.repo, answers)
        except InvalidInput as error:
            return gate_page(request, page, 400, error=error.message, answers=answers)
        return see_other(gate_url(page.repo), "access-granted" if status == "accepted" else "access-requested")

    def manager_page(request: Request, namespace: str, name: str) -> RepoPage:
        page = open_repo(request, repo_type, namespace, name)
        if not page.can_write:
            raise Forbidden(f"Only the maintainers of {page.repo.repo_id} manage access to it")
        return page

    def access_page(request: Request, page: RepoPage, status: int = 200, **extra):
        mode = gating.gate_mode(page.hub, page.repo)
        requests = {state: gating.list_requests(page.hub, page.principal, page.repo, state)
                    for state in gating.REQUEST_STATUSES} if mode else {}
        return render(request, "community/access.html", page.context(
            "settings", "main", lambda r: access_url(page.repo), mode=mode, requests=requests,
            settings=settings_of(page.hub, page.repo), **extra), status=status)

    @router.get("/{namespace}/{name}/settings/access")
    def access(request: Request, namespace: str, name: str, _user: Principal = Depends(signed_in)):
        return access_page(request, manager_page(request, namespace, name))

    @router.post("/{namespace}/{name}/settings/access/mode")
    def mode(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
             gated: str = Form("off"), discussions: str = Form("on")):
        page = manager_page(request, namespace, name)
        try:
            update_settings(page.hub, principal, page.repo, gated=False if gated == "off" else gated,
                            discussions_disabled=discussions != "on")
        except InvalidInput as error:
            return access_page(request, page, 400, error=error.message)
        return see_other(access_url(page.repo), "community-settings")

    @router.post("/{namespace}/{name}/settings/access/handle")
    def handle(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
               user: str = Form(...), status: str = Form(...), reason: str = Form("")):
        page = manager_page(request, namespace, name)
        try:
            gating.handle_request(page.hub, principal, page.repo, status, user=user, rejection_reason=reason or None)
        except InvalidInput as error:
            return access_page(request, page, 400, error=error.message)
        return see_other(access_url(page.repo), "access-updated")

    @router.post("/{namespace}/{name}/settings/access/grant")
    def grant(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
              user: str = Form("")):
        page = manager_page(request, namespace, name)
        try:
            gating.grant_access(page.hub, principal, page.repo, user.strip())
        except InvalidInput as error:
            return access_page(request, page, 400, error=error.message)
        return see_other(access_url(page.repo), "access-updated")

    return router
