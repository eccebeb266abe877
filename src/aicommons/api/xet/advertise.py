"""Telling clients a file can be fetched over Xet: ``X-Xet-Hash`` and a ``xet-auth`` link on ``/resolve``,
``xetHash`` in tree entries. Only files the CAS can rebuild (uploaded through Xet) are advertised; every
other file is downloaded over plain HTTP, which also serves Xet files to clients without hf_xet."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from sqlalchemy import select

from aicommons.api.xet.urls import public_base
from aicommons.hub import Hub
from aicommons.repos.names import RepoType
from aicommons.repos.objects import FileEntry
from aicommons.xet.tables import XetFile


def xet_hashes(hub: Hub, sha256s: list[str]) -> dict[str, str]:
    """sha256 -> Xet file hash, for the contents that exist as Xet files."""
    found: dict[str, str] = {}
    wanted = sorted(set(sha256s))
    with hub.db.read() as session:
        for start in range(0, len(wanted), 500):
            rows = session.execute(select(XetFile.sha256, XetFile.file_hash)
                                   .where(XetFile.sha256.in_(wanted[start:start + 500])))
            for sha256, file_hash in rows:
                found.setdefault(sha256, file_hash)
    return found


def download_headers(request: Request, repo_type: RepoType, repo_id: str, commit_oid: str,
                     entry: FileEntry) -> dict[str, str]:
    """Headers that switch hf_xet clients to Xet for this file; empty when it is served over HTTP only."""
    if not entry.lfs:
        return {}
    file_hash = xet_hashes(request.app.state.hub, [entry.sha256]).get(entry.sha256)
    if file_hash is None:
        return {}
    token_url = f"{public_base(request)}/api/{repo_type.value}s/{repo_id}/xet-read-token/{quote(commit_oid)}"
    return {"X-Xet-Hash": file_hash, "Link": f'<{token_url}>; rel="xet-auth"'}


def add_xet_hashes(hub: Hub, entries: list[dict]) -> list[dict]:
    """Set ``xetHash`` on the LFS file entries of a tree or paths-info answer whose content is a Xet file."""
    lfs = [item for item in entries if item.get("type") == "file" and "lfs" in item]
    hashes = xet_hashes(hub, [item["lfs"]["oid"] for item in lfs])
    for item in lfs:
        if item["lfs"]["oid"] in hashes:
            item["xetHash"] = hashes[item["lfs"]["oid"]]
    return entries
