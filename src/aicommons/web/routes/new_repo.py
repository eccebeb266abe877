"""The new repo form: owner, name, type, visibility and an optional licence for a first card."""

from __future__ import annotations

import yaml
from fastapi import APIRouter, Depends, Form, Request

from aicommons.accounts.principal import ROLE_RANK, Principal
from aicommons.cards import vocabulary
from aicommons.errors import Conflict, Forbidden, InvalidInput
from aicommons.repos import manage
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.names import RepoType
from aicommons.web import urls
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in
from aicommons.web.signatures import signature_for
from aicommons.web.templates import render

router = APIRouter(route_class=WebRoute)



def owners_of(principal: Principal) -> list[str]:
    """The namespaces this user may create repos in: their own and organisations where they can write."""
    orgs = sorted(principal.org_names[org_id] for org_id, role in principal.org_roles.items()
                  if ROLE_RANK[role] >= ROLE_RANK["write"])
    return [principal.name, *orgs]


def _form(request: Request, principal: Principal, status: int = 200, error: str | None = None, **values):
    return render(request, "new_repo.html", {"owners": owners_of(principal), "licenses": vocabulary.hub_licenses(),
                                             "values": values, "error": error}, status=status)


@router.get("/new")
def new_repo_form(request: Request, type: str = "model", principal: Principal = Depends(signed_in)):
    return _form(request, principal, repo_type=RepoType.parse(type).value, owner=principal.name)


@router.post("/new")
def create(request: Request, principal: Principal = Depends(form_user), owner: str = Form(""),
           name: str = Form(""), repo_type: str = Form("model"), visibility: str = Form("public"),
           license: str = Form("")):
    values = {"owner": owner, "name": name.strip(), "repo_type": repo_type, "visibility": visibility,
              "license": license}
    hub = request.app.state.hub
    try:
        kind = RepoType.parse(repo_type)
        if license and license not in vocabulary.hub_licenses():
            raise InvalidInput("license", f"unknown licence {license!r}")
        repo_id = f"{owner}/{name.strip()}"
        repo = manage.create_repo(hub, principal, kind, repo_id, private=visibility == "private")
    except (InvalidInput, Conflict, Forbidden) as error:
        status = 409 if isinstance(error, Conflict) else 403 if isinstance(error, Forbidden) else 400
        return _form(request, principal, status, error=error.message, **values)
    if license:
        card = f"---\n{yaml.safe_dump({'license': license}, sort_keys=False)}---\n\n# {repo.name}\n"
        commit(hub, repo, [AddFile("README.md", card.encode())], author=signature_for(hub, principal),
               message="Add a model card" if kind is RepoType.MODEL else "Add a dataset card")
    return see_other(urls.repo_base(kind.value, repo.repo_id), "created")
