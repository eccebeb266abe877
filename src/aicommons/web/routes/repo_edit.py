"""Changing a repo from the browser: uploading files and editing the card, both through the one commit path."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from aicommons import cards
from aicommons.accounts.principal import Principal
from aicommons.cards.commit_check import CARD_PATH
from aicommons.community import pulls
from aicommons.errors import Forbidden, InvalidInput, StaleParent
from aicommons.repos import reading
from aicommons.repos.commit import AddBlob, AddFile, commit, record_upload
from aicommons.repos.lfs_rules import LFS_SIZE_THRESHOLD
from aicommons.repos.names import RepoType
from aicommons.repos.revisions import DEFAULT_BRANCH
from aicommons.web import urls
from aicommons.web.community.urls import discussion_url
from aicommons.web.repo_context import RepoPage, open_repo
from aicommons.web.routing import WebRoute, form_user, see_other, signed_in
from aicommons.web.signatures import signature_for
from aicommons.web.templates import render

MAX_UPLOAD_FILES = 100
CARD_TEMPLATES = Path(cards.__file__).with_name("templates")


def _writable(page: RepoPage, rev: str) -> bool:
    """Whether the change is proposed as a pull request (the viewer may not write) rather than committed."""
    if page.can_write:
        if not page.is_branch(rev):
            raise InvalidInput("revision", f"{rev} is not a branch: changes go to a branch")
        return False
    if rev != DEFAULT_BRANCH:
        raise Forbidden(f"You may not change {page.repo.repo_id}; propose changes to {DEFAULT_BRANCH}")
    pulls.check_may_propose(page.hub, page.principal, page.repo)
    return True


def _done(page: RepoPage, result, url: str, notice: str):
    """Where a change leads: the new pull request when it was proposed, else back to what changed."""
    if result.pr_number is not None:
        return see_other(discussion_url(page.repo, result.pr_number), "proposed")
    return see_other(url, notice)


def card_template(page: RepoPage) -> str:
    """The cards area's template for a new card, with the metadata fields the hub reads."""
    text = (CARD_TEMPLATES / f"{page.repo_type}.md").read_text(encoding="utf-8")
    return text.replace("{name}", page.repo.name).replace("{repo_id}", page.repo.repo_id)


def _message(summary: str, description: str, default: str) -> str:
    summary = " ".join(summary.split()) or default
    description = description.replace("\r\n", "\n").strip()
    return f"{summary}\n\n{description}" if description else summary


def make_router(repo_type: RepoType) -> APIRouter:
    router = APIRouter(route_class=WebRoute)
    kind = repo_type.value

    @router.get("/{namespace}/{name}/upload/{rev:path}")
    def upload_form(request: Request, namespace: str, name: str, rev: str, _user: Principal = Depends(signed_in)):
        page = open_repo(request, repo_type, namespace, name)
        proposing = _writable(page, rev)
        return render(request, "repo/upload.html", page.context(
            "files", rev, lambda r: urls.upload_url(kind, page.repo.repo_id, r),
            folder=request.query_params.get("folder", ""), values={}, proposing=proposing))

    @router.post("/{namespace}/{name}/upload/{rev:path}")
    def upload(request: Request, namespace: str, name: str, rev: str, principal: Principal = Depends(form_user),
               files: list[UploadFile] = File(default=[]), folder: str = Form(""), summary: str = Form(""),
               description: str = Form("")):
        page = open_repo(request, repo_type, namespace, name)
        proposing = _writable(page, rev)
        folder = folder.strip().strip("/")
        chosen = [f for f in files if f.filename]
        values = {"summary": summary, "description": description}
        try:
            if not chosen:
                raise InvalidInput("files", "Choose at least one file to upload.")
            if len(chosen) > MAX_UPLOAD_FILES:
                raise InvalidInput("files", f"Upload at most {MAX_UPLOAD_FILES} files at once.")
            operations = [_operation(page, f, folder) for f in chosen]
            names = ", ".join(f.filename.rsplit("/", 1)[-1] for f in chosen[:3])
            names += " and more" if len(chosen) > 3 else ""
            result = commit(page.hub, page.repo, operations, author=signature_for(page.hub, principal),
                            message=_message(summary, description, f"Upload {names}"), revision=rev,
                            create_pr=proposing)
        except InvalidInput as error:
            return render(request, "repo/upload.html", page.context(
                "files", rev, lambda r: urls.upload_url(kind, page.repo.repo_id, r),
                folder=folder, values=values, error=error.message, proposing=proposing), status=400)
        return _done(page, result, urls.tree_url(kind, page.repo.repo_id, rev, folder), "uploaded")

    @router.get("/{namespace}/{name}/edit/{rev:path}")
    def edit_form(request: Request, namespace: str, name: str, rev: str, _user: Principal = Depends(signed_in)):
        page = open_repo(request, repo_type, namespace, name)
        proposing = _writable(page, rev)
        snap = reading.snapshot(page.hub, page.repo, rev)
        text = reading.read_text(page.hub, snap, CARD_PATH)
        return render(request, "repo/edit.html", page.context(
            "card", rev, lambda r: urls.edit_card_url(kind, page.repo.repo_id, r),
            text=text if text is not None else card_template(page), exists=text is not None,
            parent=snap.commit_oid, values={}, proposing=proposing))

    @router.post("/{namespace}/{name}/edit/{rev:path}")
    def save_card(request: Request, namespace: str, name: str, rev: str, principal: Principal = Depends(form_user),
                  content: str = Form(""), parent: str = Form(""), summary: str = Form(""),
                  description: str = Form("")):
        page = open_repo(request, repo_type, namespace, name)
        proposing = _writable(page, rev)
        text = content.replace("\r\n", "\n")  # browsers send textarea lines with CRLF
        try:  # the commit's checks reject a card with invalid metadata, naming what is wrong
            result = commit(page.hub, page.repo, [AddFile(CARD_PATH, text.encode(), lfs=False)],
                            author=signature_for(page.hub, principal),
                            message=_message(summary, description, "Update README.md"),
                            revision=rev, parent_commit=parent or None, create_pr=proposing)
        except (InvalidInput, StaleParent) as error:
            message = error.message
            status = 400
            if isinstance(error, StaleParent):
                message = ("Someone committed to this branch while you were editing. "
                           "Copy your text, reload, and apply it again.")
                status = 409
            return render(request, "repo/edit.html", page.context(
                "card", rev, lambda r: urls.edit_card_url(kind, page.repo.repo_id, r),
                text=text, exists=True, parent=parent, values={"summary": summary, "description": description},
                error=message, proposing=proposing), status=status)
        return _done(page, result, urls.card_url(kind, page.repo.repo_id, rev), "card-saved")

    return router


def _operation(page: RepoPage, upload: UploadFile, folder: str):
    """Small files go inline (the repo's rules pick LFS or not); large ones stream into the blob store."""
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    path = f"{folder}/{name}" if folder else name
    size = upload.size
    if size is not None and size < LFS_SIZE_THRESHOLD:
        return AddFile(path, upload.file.read())
    hub = page.hub
    blob = hub.blobs.ingest_file(upload.file, max_size=hub.settings.max_file_bytes)
    record_upload(hub, page.repo.id, blob)
    return AddBlob(path, blob.sha256, blob.size, lfs=True)
