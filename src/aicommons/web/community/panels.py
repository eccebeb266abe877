"""Side panels of the repo page: community (discussions, report, likes, collections) and the gate."""

from __future__ import annotations

from aicommons.community import collections, discussions, gating
from aicommons.web.panels import register_panel
from aicommons.web.templates import render_fragment


def community_panel(hub, principal, snapshot):
    repo = snapshot.repo
    if not gating.has_access(hub, principal, repo):
        return None  # the gate panel speaks instead
    _, open_count = discussions.list_discussions(hub, principal, repo, status="open", limit=1)
    containing = collections.list_collections(hub, principal, item=f"{repo.type}s/{repo.repo_id}", limit=5)
    own = collections.list_collections(hub, principal, owners=[principal.name, *principal.org_names.values()]) \
        if not principal.anonymous else []
    return render_fragment("community/panel.html", repo=repo, open_count=open_count, containing=containing,
                           own=own, signed_in=not principal.anonymous)


def gate_panel(hub, principal, snapshot):
    mode = gating.gate_mode(hub, snapshot.repo)
    if mode is None:
        return None
    return render_fragment("community/gate_panel.html", repo=snapshot.repo, mode=mode,
                           has_access=gating.has_access(hub, principal, snapshot.repo),
                           mine=gating.my_request(hub, principal, snapshot.repo))


def register() -> None:
    register_panel("gate", "Gated access", gate_panel, order=10, area="side")
    register_panel("community", "Community", community_panel, order=80, area="side")
