"""Discussion pages: the list, a new discussion or report, a thread, and for pull requests their commits,
their changes as a diff, and the merge button."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request

from aicommons.accounts.principal import Principal
from aicommons.community import discussions, pulls, reports
from aicommons.community.common import settings_of
from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.web.community.gate import gated_redirect
from aicommons.web.community.urls import discussion_url, discussions_url
from aicommons.web.card_render import render_markdown
from aicommons.web.diffs import diff_files
from aicommons.web.repo_context import RepoPage, open_repo
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in
from aicommons.web.signatures import signature_for
from aicommons.web.templates import render

PER_PAGE = 30


def make_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)

    def context(page: RepoPage, **extra) -> dict:
        return page.context("community", "main", lambda r: discussions_url(page.repo), **extra)

    @router.get("/{namespace}/{name}/discussions")
    def listing(request: Request, namespace: str, name: str, status: str = "open", type: str = "all", p: int = 1):
        page = open_repo(request, repo_type, namespace, name)
        if (gate := gated_redirect(page)) is not None:
            return gate
        status = status if status in ("open", "closed", "all") else "open"
        type = type if type in ("all", "discussion", "pull_request") else "all"
        p = max(p, 1)
        found, total = discussions.list_discussions(page.hub, page.principal, page.repo, kind=type, status=status,
                                                    offset=(p - 1) * PER_PAGE, limit=PER_PAGE)
        return render(request, "community/discussions.html", context(
            page, discussions=found, total=total, status=status, kind=type, page_number=p,
            page_url=lambda n: discussions_url(page.repo, status=status, type=type, p=n),
            pages=max(1, -(-total // PER_PAGE)), disabled=settings_of(page.hub, page.repo).discussions_disabled))

    @router.get("/{namespace}/{name}/discussions/new")
    def new_form(request: Request, namespace: str, name: str, report: str | None = None, path: str = "",
                 _user: Principal = Depends(signed_in)):
        page = open_repo(request, repo_type, namespace, name)
        return _new_page(request, page, report=report, path=path)

    def _new_page(request: Request, page: RepoPage, status: int = 200, **extra):
        return render(request, "community/new_discussion.html", context(
            page, report_types=reports.REPORT_TYPES, **extra), status=status)

    @router.post("/{namespace}/{name}/discussions/new")
    def create(request: Request, namespace: str, name: str, principal: Principal = Depends(form_user),
               title: str = Form(""), description: str = Form(""), report: str = Form(""), path: str = Form("")):
        page = open_repo(request, repo_type, namespace, name)
        try:
            if report:
                view = reports.open_report(page.hub, principal, page.repo, report, title, description, path or None)
            else:
                view = discussions.create_discussion(page.hub, principal, page.repo, title, description)
        except InvalidInput as error:
            return _new_page(request, page, 400, error=error.message, report=report or None, path=path, title=title,
                             description=description)
        return see_other(discussion_url(page.repo, view.number), "report-opened" if report else "discussion-opened")

    @router.get("/{namespace}/{name}/discussions/{number}")
    def thread(request: Request, namespace: str, name: str, number: int):
        page = open_repo(request, repo_type, namespace, name)
        if (gate := gated_redirect(page)) is not None:
            return gate
        return _thread(request, page, number)

    def _thread(request: Request, page: RepoPage, number: int, status: int = 200, error: str | None = None):
        view = discussions.get_discussion(page.hub, page.principal, page.repo, number)
        extra = {}
        if view.is_pull_request:
            changes = pulls.changes(page.hub, page.repo, view)
            files = diff_files(page.hub, changes.old_files, changes.new_files)
            extra = dict(changes=changes, files=files,
                         commits=pulls.commits(page.hub, page.repo, view, changes.head_oid),
                         additions=sum(f.additions for f in files), deletions=sum(f.deletions for f in files))
        is_author = not page.principal.anonymous and view.author == page.principal.name
        return render(request, "community/thread.html", context(
            page, discussion=view, may_moderate=page.can_write, may_change=page.can_write or is_author,
            markdown=lambda text: render_markdown(text, page.repo_type, page.repo.repo_id, DEFAULT_BRANCH),
            error=error, **extra), status=status)

    def _act(request: Request, namespace: str, name: str, number: int, action, notice: str):
        page = open_repo(request, repo_type, namespace, name)
        try:
            action(page)
        except (InvalidInput, pulls.MergeConflict) as error:
            return _thread(request, page, number, 400, error.message)
        return see_other(discussion_url(page.repo, number), notice)

    @router.post("/{namespace}/{name}/discussions/{number}/comment")
    def comment(request: Request, namespace: str, name: str, number: int, principal: Principal = Depends(form_user),
                comment: str = Form("")):
        return _act(request, namespace, name, number,
                    lambda page: discussions.add_comment(page.hub, principal, page.repo, number, comment), "commented")

    @router.post("/{namespace}/{name}/discussions/{number}/status")
    def status(request: Request, namespace: str, name: str, number: int, principal: Principal = Depends(form_user),
               status: str = Form(...), comment: str = Form("")):
        return _act(request, namespace, name, number,
                    lambda page: discussions.change_status(page.hub, principal, page.repo, number, status,
                                                           comment or None), "status-changed")

    @router.post("/{namespace}/{name}/discussions/{number}/merge")
    def merge(request: Request, namespace: str, name: str, number: int, principal: Principal = Depends(form_user),
              comment: str = Form("")):
        return _act(request, namespace, name, number,
                    lambda page: pulls.merge(page.hub, principal, page.repo, number,
                                             signature_for(page.hub, principal), comment or None), "merged")

    @router.post("/{namespace}/{name}/discussions/{number}/comments/{comment_id}/hide")
    def hide(request: Request, namespace: str, name: str, number: int, comment_id: str,
             principal: Principal = Depends(form_user)):
        return _act(request, namespace, name, number,
                    lambda page: discussions.hide_comment(page.hub, principal, page.repo, number, comment_id),
                    "comment-hidden")

    return router
