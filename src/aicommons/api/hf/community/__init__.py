"""The Hub protocol's community calls: discussions and pull requests, gated access, settings and moves,
likes, collections, users and organisations, and webhooks. Thin adapters over ``aicommons.community``."""

from __future__ import annotations

from fastapi import APIRouter

from aicommons.api.hf.community import access, discussions, hooks, moves, people

router = APIRouter(tags=["community"])
for module in (discussions, access, moves, people, hooks):
    router.include_router(module.router)
