"""Refusing to serve a file the scanner rated dangerous, unless the request explicitly accepts the risk
(``?unsafe=accept`` or the header ``X-AICommons-Accept-Unsafe: 1``). Other statuses are served."""

from __future__ import annotations

from aicommons.errors import Forbidden
from aicommons.hub import DownloadRequest, Hub
from aicommons.scans.results import file_scans

OPT_IN_HINT = "add ?unsafe=accept to the URL or send the header X-AICommons-Accept-Unsafe: 1"
MAX_NAMED = 10


class UnsafeFile(Forbidden):
    """A 403: the file is visible, but serving it needs an explicit opt-in."""


def refuse_dangerous(hub: Hub, principal, repo, download: DownloadRequest) -> None:
    if download.accept_unsafe or download.sha256 is None:
        return
    scan = file_scans(hub, [download.sha256])[download.sha256]
    if scan.status != "dangerous":
        return
    named = scan.globals_named()
    found = ", ".join(named[:MAX_NAMED]) + (f" and {len(named) - MAX_NAMED} more" if len(named) > MAX_NAMED else "")
    raise UnsafeFile(f"{download.path or 'This file'} was rated dangerous by the security scan: loading it can run code"
                     f"{f' (found {found})' if found else ''}. To download it anyway, {OPT_IN_HINT}.")
