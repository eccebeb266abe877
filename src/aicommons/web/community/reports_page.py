"""The report queue: open reports on the repos the viewer maintains, or on every repo for hub admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from aicommons.accounts.principal import Principal
from aicommons.community import reports
from aicommons.web.routing import WebRoute, signed_in
from aicommons.web.templates import render

router = APIRouter(route_class=WebRoute)


@router.get("/reports")
def queue(request: Request, status: str = "open", principal: Principal = Depends(signed_in)):
    status = "all" if status == "all" else "open"
    return render(request, "community/reports.html", {
        "reports": reports.report_queue(request.app.state.hub, principal, status), "status": status,
        "report_types": reports.REPORT_TYPES})
