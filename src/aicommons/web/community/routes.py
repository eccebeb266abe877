"""Every community page, in matching order: fixed addresses first, then the per-repo pages."""

from fastapi import APIRouter

from aicommons.repos.names import RepoType
from aicommons.web.community import discussions, gate, hooks, moves, reports_page, social

fixed = APIRouter(include_in_schema=False)
for module in (social, hooks, reports_page):
    fixed.include_router(module.router)

repo_pages = APIRouter(include_in_schema=False)
# datasets first: "/datasets/{ns}/{name}/..." must not be read as a model repo named "datasets/{ns}"
for repo_type in (RepoType.DATASET, RepoType.MODEL):
    prefix = "/" + repo_type.url_prefix.rstrip("/") if repo_type.url_prefix else ""
    for make in (discussions.make_router, gate.make_router, social.make_repo_router, moves.make_router):
        repo_pages.include_router(make(repo_type), prefix=prefix)
