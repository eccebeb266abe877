"""Warnings about repos a card names that this hub does not have (as far as the viewer can tell: a private repo
the viewer may not see counts as missing, so the warning never reveals that it exists)."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import Principal
from aicommons.cards.metadata import CardMetadata
from aicommons.hub import Hub
from aicommons.storage.tables import Repo


def reference_warnings(hub: Hub, principal: Principal, meta: CardMetadata, repo_type: str) -> list[dict]:
    named = [("base_model", base, "model") for base in meta.base_models]
    named += [("datasets", dataset, "dataset") for dataset in meta.datasets]
    if meta.new_version:
        named.append(("new_version", meta.new_version, repo_type))
    keys = {(kind, *ref.split("/", 1)) for _, ref, kind in named if "/" in ref}
    found = set()
    if keys:
        with hub.db.read() as session:
            rows = session.execute(select(Repo.type, Repo.namespace, Repo.name)
                                   .where(tuple_(Repo.type, Repo.namespace, Repo.name).in_(list(keys)),
                                          visible_repos(principal)))
            found = {tuple(row) for row in rows}
    warnings = []
    for field, ref, kind in named:
        if (kind, *ref.split("/", 1)) not in found:
            warnings.append({"field": field, "message": f"{ref} is not a {kind} on this hub"
                             + (" (shown as an external base)" if field == "base_model" else "")})
    return warnings
