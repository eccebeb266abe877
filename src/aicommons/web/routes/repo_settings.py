"""A repo's settings: visibility, and deletion after typing the repo's name."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from aicommons.accounts.access import check_admin
from aicommons.accounts.principal import Principal
from aicommons.community.repo_settings import update_settings
from aicommons.repos import manage
from aicommons.repos.names import RepoType
from aicommons.web import urls
from aicommons.web.repo_context import RepoPage, open_repo
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in
from aicommons.web.templates import render


def _settings_page(request: Request, page: RepoPage, status: int = 200, **extra):
    return render(request, "repo/settings.html", page.context(
        "settings", "main", lambda r: urls.settings_url(page.repo_type, page.repo.repo_id), **extra), status=status)


def make_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)

    def admin_page(request: Request, namespace: str, name: str) -> RepoPage:
        page = open_repo(request, repo_type, namespace, name)
        check_admin(page.principal, page.repo, page.repo.repo_id)
        return page

    @router.get("/{namespace}/{name}/settings")
    def settings(request: Request, namespace: str, name: str, _user: Principal = Depends(signed_in)):
        return _settings_page(request, admin_page(request, namespace, name))

    @router.post("/{namespace}/{name}/settings/visibility")
    def visibility(request: Request, namespace: str, name: str, _user: Principal = Depends(form_user),
                   visibility: str = Form(...)):
        page = admin_page(request, namespace, name)
        if visibility not in ("public", "private"):
            return _settings_page(request, page, 400, error="Choose public or private.")
        update_settings(page.hub, page.principal, page.repo, private=visibility == "private")
        return see_other(urls.settings_url(page.repo_type, page.repo.repo_id), "visibility")

    @router.post("/{namespace}/{name}/settings/delete")
    def delete(request: Request, namespace: str, name: str, _user: Principal = Depends(form_user),
               confirm: str = Form("")):
        page = admin_page(request, namespace, name)
        if confirm.strip() != page.repo.repo_id:
            return _settings_page(request, page, 400,
                                  delete_error=f"Type {page.repo.repo_id} exactly to confirm the deletion.")
        manage.delete_repo(page.hub, page.repo)
        return see_other(urls.account_url(page.repo.namespace), "deleted")

    return router
