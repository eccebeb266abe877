"""The repo page's security panel: the scan summary of the revision shown, and the files that need care."""

from __future__ import annotations

from markupsafe import Markup

from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.repos.reading import Snapshot
from aicommons.scans.report import revision_report
from aicommons.web import urls
from aicommons.web.panels import register_panel
from aicommons.web.templates import render_fragment

NOTABLE = ("dangerous", "invalid", "suspicious", "pending", "unscanned")


def render_security(hub: Hub, principal: Principal, snapshot: Snapshot) -> Markup | None:
    report = revision_report(hub, snapshot)
    if not report["files"]:
        return None
    repo = snapshot.repo
    notable = sorted((f for f in report["files"] if f["status"] in NOTABLE), key=lambda f: NOTABLE.index(f["status"]))
    return render_fragment("panels/security.html", summary=report["summary"], notable=notable,
                           blob_url=lambda path: urls.blob_url(repo.type, repo.repo_id, snapshot.commit_oid, path),
                           api_url=f"/api/{repo.type}s/{repo.repo_id}/scan/{snapshot.commit_oid}")


def register() -> None:
    register_panel("security", "Security scan", render_security)
