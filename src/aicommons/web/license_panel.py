"""The repo page's licence panel: the verdict for each intended use with its reasons (each naming the clause
it comes from, linked to the licence text), the obligations to meet, conflicts, and the openness grading.

The report is computed as the viewer may see the lineage (private ancestors count but are never named) and
reused between views while nothing it depends on changes (``licenses.report_cache``).
"""

from __future__ import annotations

from typing import Mapping

from markupsafe import Markup

from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.licenses.catalog import Source, use_titles
from aicommons.licenses.report_cache import license_report
from aicommons.licenses.results import DISCLAIMER
from aicommons.openness import OpennessReport
from aicommons.repos.reading import Snapshot
from aicommons.web.panels import register_panel
from aicommons.web.templates import render_fragment

STATUS_LABELS = {"allowed": "Allowed", "allowed-with-obligations": "Allowed with obligations",
                 "needs-review": "Needs review", "not-allowed": "Not allowed"}
OSAID_LABELS = {"may-conform": "May conform", "does-not-conform": "Does not conform", "unknown": "Unknown"}
MOF_CLASSES = ("III", "II", "I")  # each class adds components to the one before


def next_class(report: OpennessReport) -> tuple[str | None, list[str]]:
    """The next Model Openness Framework class up from the one reached, and the components it still lacks."""
    reached = MOF_CLASSES.index(report.mof_class) + 1 if report.mof_class in MOF_CLASSES else 0
    if reached == len(MOF_CLASSES):
        return None, []
    wanted = MOF_CLASSES[reached]
    names = {component.id: component.name for component in report.components}
    return wanted, [names.get(cid, cid) for cid in report.missing.get(wanted, [])]


def source_link(source: Source | Mapping | None) -> str | None:
    """The address of a clause's source (a catalogue Source, or an openness source entry), when it is a web
    address: the data files are ours, but a link must never become a script."""
    url = source.get("url") if isinstance(source, Mapping) else getattr(source, "url", None)
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def render_license(hub: Hub, principal: Principal, snapshot: Snapshot) -> Markup:
    report = license_report(hub, principal, snapshot.repo, snapshot.commit_oid)
    result = report.verdict
    obligations = {ob.id: ob for ob in result.obligations}
    upgrade, lacking = next_class(report.openness)
    return render_fragment("panels/license.html", verdict=result, openness=report.openness, upgrade=upgrade,
                           lacking=lacking,
                           use_titles=use_titles(), status_labels=STATUS_LABELS, osaid_labels=OSAID_LABELS,
                           obligations=obligations, source_link=source_link, disclaimer=DISCLAIMER,
                           api_url=f"/api/models/{snapshot.repo.repo_id}/license?revision={snapshot.commit_oid}",
                           bom_url=f"/api/models/{snapshot.repo.repo_id}/bom?revision={snapshot.commit_oid}",
                           is_model=snapshot.repo.type == "model")


def register() -> None:
    register_panel("license", "Licence", render_license)
