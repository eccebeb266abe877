"""Reading a repo: its card (with panels), files, a file, the history and one commit's changes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from aicommons.cards.commit_check import CARD_PATH
from aicommons.community.diffs import changed_paths
from aicommons.errors import EntryNotFound
from aicommons.repos import reading
from aicommons.repos.names import RepoType
from aicommons.repos.objects import FileEntry
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.scans.results import file_scans
from aicommons.web import urls
from aicommons.web.card_render import render_card
from aicommons.web.community.gate import gated_redirect
from aicommons.web.diffs import diff_files
from aicommons.web.highlight import MAX_VIEW_BYTES, SNIFF_BYTES, highlight_file, language_name, looks_binary
from aicommons.web.panels import render_panels
from aicommons.web.repo_context import open_repo
from aicommons.web.routing import WebRoute
from aicommons.web.templates import render

COMMITS_PER_PAGE = 30


@dataclass(frozen=True)
class Folder:
    name: str
    path: str
    files: int
    size: int


@dataclass(frozen=True)
class File:
    name: str
    path: str
    entry: FileEntry


def folder_listing(files: dict[str, FileEntry], folder: str) -> tuple[list[Folder], list[File]]:
    prefix = f"{folder}/" if folder else ""
    folders: dict[str, list[int]] = {}
    listed = []
    for path, entry in files.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        if "/" in rest:
            totals = folders.setdefault(rest.split("/", 1)[0], [0, 0])
            totals[0] += 1
            totals[1] += entry.size
        else:
            listed.append(File(rest, path, entry))
    return ([Folder(name, prefix + name, count, size) for name, (count, size) in sorted(folders.items())],
            sorted(listed, key=lambda f: f.name.lower()))


def breadcrumbs(path: str) -> list[tuple[str, str]]:
    """(name, path) for each folder above and including ``path``."""
    parts = [p for p in path.split("/") if p]
    return [(part, "/".join(parts[:i + 1])) for i, part in enumerate(parts)]


def make_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)
    kind = repo_type.value

    @router.get("/{namespace}/{name}")
    def card(request: Request, namespace: str, name: str):
        return _card(request, namespace, name, "main")

    @router.get("/{namespace}/{name}/card/{rev:path}")
    def card_at(request: Request, namespace: str, name: str, rev: str):
        return _card(request, namespace, name, rev)

    def _card(request: Request, namespace: str, name: str, rev: str):
        page = open_repo(request, repo_type, namespace, name)
        snap = reading.snapshot(page.hub, page.repo, rev)
        text = reading.read_text(page.hub, snap, CARD_PATH)
        head = reading.commit_info(page.hub, page.repo, snap.commit_oid)
        return render(request, "repo/card.html", page.context(
            "card", rev, lambda r: urls.card_url(kind, page.repo.repo_id, r),
            card=render_card(text, kind, page.repo.repo_id, rev) if text is not None else None,
            panels=render_panels(page.hub, page.principal, snap), head=head, snapshot=snap,
            total_size=sum(e.size for e in snap.files.values()),
            endpoint=str(request.base_url).rstrip("/"),
        ))

    @router.get("/{namespace}/{name}/tree/{rest:path}")
    def tree(request: Request, namespace: str, name: str, rest: str):
        page = open_repo(request, repo_type, namespace, name)
        rev, folder = page.split_rev_path(rest)
        snap = reading.snapshot(page.hub, page.repo, rev)
        if folder in snap.files:
            return RedirectResponse(urls.blob_url(kind, page.repo.repo_id, rev, folder), status_code=303)
        folders, files = folder_listing(snap.files, folder)
        if folder and not folders and not files:
            raise EntryNotFound(f"No folder {folder} at {rev}", commit=snap.commit_oid)
        return render(request, "repo/tree.html", page.context(
            "files", rev, lambda r: urls.tree_url(kind, page.repo.repo_id, r, folder),
            folder=folder, folders=folders, files=files, crumbs=breadcrumbs(folder), snapshot=snap,
            head=reading.commit_info(page.hub, page.repo, snap.commit_oid),
            scans=file_scans(page.hub, {f.entry.sha256 for f in files}),
        ))

    @router.get("/{namespace}/{name}/blob/{rest:path}")
    def blob(request: Request, namespace: str, name: str, rest: str):
        page = open_repo(request, repo_type, namespace, name)
        rev, path = page.split_rev_path(rest)
        if (gate := gated_redirect(page, path)) is not None:
            return gate
        snap = reading.snapshot(page.hub, page.repo, rev)
        entry = reading.file_entry(snap, path)
        shown, reason = None, None
        if entry.lfs:
            reason = "lfs"
        elif entry.size > MAX_VIEW_BYTES:
            reason = "large"
        else:
            content = page.hub.blobs.read(entry.sha256)
            if looks_binary(content[:SNIFF_BYTES]):
                reason = "binary"
            else:
                shown = highlight_file(path, content.decode("utf-8", "replace"))
        return render(request, "repo/blob.html", page.context(
            "files", rev, lambda r: urls.blob_url(kind, page.repo.repo_id, r, path),
            path=path, entry=entry, shown=shown, reason=reason, crumbs=breadcrumbs(path),
            language=language_name(path), snapshot=snap, scan=file_scans(page.hub, [entry.sha256])[entry.sha256],
        ))

    @router.get("/{namespace}/{name}/commits/{rev:path}")
    def commits(request: Request, namespace: str, name: str, rev: str, p: int = 1):
        page = open_repo(request, repo_type, namespace, name)
        snap = reading.snapshot(page.hub, page.repo, rev)
        p = max(p, 1)
        found = reading.history(page.hub, page.repo, snap.commit_oid, limit=COMMITS_PER_PAGE + 1,
                                offset=(p - 1) * COMMITS_PER_PAGE)
        return render(request, "repo/commits.html", page.context(
            "commits", rev, lambda r: urls.commits_url(kind, page.repo.repo_id, r),
            commits=found[:COMMITS_PER_PAGE], page_number=p, has_next=len(found) > COMMITS_PER_PAGE,
        ))

    @router.get("/{namespace}/{name}/commit/{oid}")
    def commit(request: Request, namespace: str, name: str, oid: str):
        page = open_repo(request, repo_type, namespace, name)
        snap = reading.snapshot(page.hub, page.repo, oid)
        info = reading.commit_info(page.hub, page.repo, snap.commit_oid)
        parent = reading.snapshot(page.hub, page.repo, info.parents[0]).files if info.parents else {}
        for path in changed_paths(parent, snap.files):
            if (gate := gated_redirect(page, path)) is not None:
                return gate
        changes = diff_files(page.hub, parent, snap.files)
        # the tabs lead back to the default branch; "browse files at this commit" stays at the commit
        return render(request, "repo/commit.html", page.context(
            "commits", DEFAULT_BRANCH, lambda r: urls.commits_url(kind, page.repo.repo_id, r),
            info=info, changes=changes,
            additions=sum(c.additions for c in changes), deletions=sum(c.deletions for c in changes),
        ))

    return router
