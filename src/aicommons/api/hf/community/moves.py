"""``move_repo``: rename a repo or move it to another namespace; the old id then redirects."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from aicommons.api.app import hub_of
from aicommons.api.hf.context import json_body, require_signed_in
from aicommons.community.repo_settings import move_repo
from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType

router = APIRouter()


@router.post("/api/repos/move", summary="Move a repo (`fromRepo` to `toRepo`); the old id redirects")
async def move(request: Request) -> dict:
    data = await json_body(request)

    def run():
        principal = require_signed_in(request)
        source, target = data.get("fromRepo"), data.get("toRepo")
        if not isinstance(source, str) or not isinstance(target, str):
            raise InvalidInput("fromRepo", "give 'fromRepo' and 'toRepo' as 'namespace/name'")
        repo = move_repo(hub_of(request), principal, RepoType.parse(data.get("type")), source, target)
        return {"name": repo.repo_id}

    return await run_in_threadpool(run)
