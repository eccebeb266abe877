"""Renaming or moving a repo from its settings page; the old address keeps redirecting."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from aicommons.accounts.principal import Principal
from aicommons.community.repo_settings import move_repo
from aicommons.errors import Conflict, Forbidden, InvalidInput, NotFound
from aicommons.repos.names import RepoType
from aicommons.web import urls
from aicommons.web.repo_context import open_repo
from aicommons.web.routing import WebRoute, form_user, see_other
from aicommons.web.templates import render


def make_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)

    @router.post("/{namespace}/{name}/settings/move")
    def move(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
             target: str = Form("")):
        page = open_repo(request, repo_type, namespace, name)
        try:
            repo = move_repo(page.hub, principal, repo_type, page.repo.repo_id, target.strip())
        except (InvalidInput, Conflict, NotFound, Forbidden) as error:
            return render(request, "repo/settings.html", page.context(
                "settings", "main", lambda r: urls.settings_url(page.repo_type, page.repo.repo_id),
                move_error=error.message), status=400 if isinstance(error, InvalidInput) else 409)
        return see_other(urls.settings_url(repo.type, repo.repo_id), "moved")

    return router
