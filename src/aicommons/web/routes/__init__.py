"""Every page route, in matching order: fixed addresses first, then repo pages, then account pages."""

from fastapi import APIRouter

from aicommons.repos.names import RepoType
from aicommons.web.community import routes as community_routes
from aicommons.web.routes import accounts, auth, browse, new_repo, repo_edit, repo_settings, repo_view, tokens

router = APIRouter(include_in_schema=False)
for module in (browse, auth, tokens, new_repo):
    router.include_router(module.router)
router.include_router(community_routes.fixed)
# datasets first: "/datasets/{ns}/{name}/..." must not be read as a model repo named "datasets/{ns}"
for repo_type in (RepoType.DATASET, RepoType.MODEL):
    prefix = "/" + repo_type.url_prefix.rstrip("/") if repo_type.url_prefix else ""
    for module in (repo_view, repo_edit, repo_settings):
        router.include_router(module.make_router(repo_type), prefix=prefix)
router.include_router(community_routes.repo_pages)
router.include_router(accounts.router)
