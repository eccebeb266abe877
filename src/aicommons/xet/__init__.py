"""Xet storage: the chunk-deduplicating upload and download protocol of huggingface_hub's default client.

``register(hub)`` attaches the CAS service to a hub and lets the blob store read files that exist only
as Xet chunks; ``xet_service(hub)`` returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aicommons.hub import Hub
    from aicommons.xet.service import XetService


def register(hub: "Hub") -> None:
    from aicommons.xet.service import XetService

    service = XetService(hub)
    hub.xet = service
    hub.blobs.add_source(service.content)


def xet_service(hub: "Hub") -> "XetService":
    service = getattr(hub, "xet", None)
    if service is None:
        raise RuntimeError("Xet storage is not configured on this hub (features.configure_hub registers it)")
    return service
