"""The repo page is assembled from panels, so later capabilities plug in without reworking it.

A panel is a title and a function ``render(hub, principal, snapshot) -> markup or None`` (None: nothing to
show for this repo). Panels appear on the repo's card tab in ``order``, in the side column or, for wide
content, below the card. A panel that fails is logged and left out; the page still renders.

Slots reserved for later capabilities (register under these names and orders):

=============  =====  ======  ===========================================================
name           order  area    what goes there
=============  =====  ======  ===========================================================
license        20     side    licence verdict for an intended use, obligations
lineage        30     side    base models, derivatives, divergence notices
security       40     side    scan results of the files at this commit
resources      50     side    parameter counts, memory estimates
evaluations    60     main    hub-run evaluations beside the card's reported numbers
try-it         70     main    run the model from the page
=============  =====  ======  ===========================================================

Example::

    from aicommons.web.panels import register_panel
    from aicommons.web.templates import render_fragment

    def render_security(hub, principal, snapshot):
        report = scans.report_for(hub, snapshot.repo, snapshot.commit_oid)
        return render_fragment("security_panel.html", report=report) if report else None

    register_panel("security", "Security scan", render_security)
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, Literal

from markupsafe import Markup, escape

from aicommons.accounts.principal import Principal
from aicommons.hub import Hub
from aicommons.repos.reading import Snapshot

log = logging.getLogger(__name__)

Area = Literal["side", "main"]
PanelRender = Callable[[Hub, Principal, Snapshot], "Markup | str | None"]

SLOTS: dict[str, tuple[int, Area]] = {
    "license": (20, "side"),
    "lineage": (30, "side"),
    "security": (40, "side"),
    "resources": (50, "side"),
    "evaluations": (60, "main"),
    "try-it": (70, "main"),
}


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    render: PanelRender
    order: int
    area: Area


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    title: str
    body: Markup


_panels: dict[str, Panel] = {}
_lock = threading.Lock()


def register_panel(name: str, title: str, render: PanelRender, order: int | None = None,
                   area: Area | None = None) -> Panel:
    """Add (or replace) a panel. A reserved slot name brings its order and area unless given."""
    slot_order, slot_area = SLOTS.get(name, (100, "side"))
    panel = Panel(name, title, render, slot_order if order is None else order, area or slot_area)
    if panel.area not in ("side", "main"):
        raise ValueError(f"panel area must be 'side' or 'main', not {panel.area!r}")
    with _lock:
        _panels[name] = panel
    return panel


def unregister_panel(name: str) -> None:
    with _lock:
        _panels.pop(name, None)


def registered_panels() -> list[Panel]:
    with _lock:
        return sorted(_panels.values(), key=lambda p: (p.order, p.name))


def render_panels(hub: Hub, principal: Principal, snapshot: Snapshot) -> dict[Area, list[RenderedPanel]]:
    """Every panel with something to show, by area. Plain strings are escaped; Markup is trusted."""
    out: dict[Area, list[RenderedPanel]] = {"side": [], "main": []}
    for panel in registered_panels():
        try:
            body = panel.render(hub, principal, snapshot)
        except Exception:
            log.exception("panel %s failed for %s@%s", panel.name, snapshot.repo.repo_id, snapshot.commit_oid)
            continue
        if body is not None and str(body).strip():
            out[panel.area].append(RenderedPanel(panel.name, panel.title, escape(body)))
    return out
