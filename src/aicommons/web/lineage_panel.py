"""The repo page's lineage panel (the model tree the hub draws, counts per relation, bases with their evidence
and tensor verification, out-of-date notices, duplicates) and its card-warnings panel.

Everything comes from the lineage graph and card report as the viewer may see them: a private base the viewer
cannot read is drawn as an external name, a private derivative is neither drawn nor counted.
"""

from __future__ import annotations

from markupsafe import Markup

from aicommons.accounts.principal import Principal
from aicommons.cards.metadata import CardMetadata
from aicommons.cards.references import reference_warnings
from aicommons.hub import Hub
from aicommons.index.indexer import ensure_indexed
from aicommons.lineage.graph import lineage_graph
from aicommons.lineage.svg import RELATIONS, VERDICT, render_lineage_svg
from aicommons.repos.reading import Snapshot
from aicommons.web import urls
from aicommons.web.panels import register_panel
from aicommons.web.templates import render_fragment

RELATION_NAMES = dict(RELATIONS)


def render_lineage(hub: Hub, principal: Principal, snapshot: Snapshot) -> Markup | None:
    repo = snapshot.repo
    if repo.type != "model":
        return None
    graph = lineage_graph(hub, principal, repo, snapshot.commit_oid)
    # the SVG escapes every text it draws and links only to repo pages, so it is safe to inline
    picture = Markup(render_lineage_svg(graph, url_for=lambda repo_id: urls.repo_base("model", repo_id)))
    kinds = {node.id: node.kind for node in graph.nodes}
    bases = [edge for edge in graph.edges if edge.source == graph.root]
    return render_fragment("panels/lineage.html", graph=graph, picture=picture, counts=graph.counts(),
                           bases=bases, kinds=kinds, relation_names=RELATION_NAMES, verdicts=VERDICT)


def render_card_warnings(hub: Hub, principal: Principal, snapshot: Snapshot) -> Markup | None:
    """What the index noticed about the card: unknown licence ids, language codes and tasks, and names of repos
    the viewer cannot find on this hub."""
    row = ensure_indexed(hub, snapshot.repo, snapshot.commit_oid)
    warnings = list(row.card_warnings) + reference_warnings(hub, principal, CardMetadata.from_dict(row.card),
                                                            snapshot.repo.type)
    if not warnings and not row.card_error:
        return None
    return render_fragment("panels/card_warnings.html", warnings=warnings, error=row.card_error)


def register() -> None:
    register_panel("lineage", "Lineage", render_lineage, area="main")  # the tree needs the wide column
    register_panel("card-warnings", "Card warnings", render_card_warnings, order=15, area="side")
