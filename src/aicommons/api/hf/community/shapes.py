"""JSON shapes the client parses: authors, discussions and their events, users (see the community reference)."""

from __future__ import annotations

from datetime import datetime

import nh3
from markdown_it import MarkdownIt

from aicommons.api.hf.dates import iso_date
from aicommons.community.discussions import DiscussionView, EventView

_markdown = MarkdownIt("commonmark")


def comment_html(text: str) -> str:
    """Comments are Markdown by anyone: rendered, then stripped of anything that could run."""
    return nh3.clean(_markdown.render(text))


def author(name: str | None) -> dict:
    # a deleted account has no author key at all: the client shows "deleted" (null would crash it)
    return {"author": {"name": name, "fullname": name, "avatarUrl": "", "type": "user"}} if name else {}


def user_json(name: str, fullname: str, **extra) -> dict:
    return {"user": name, "fullname": fullname or name, "avatarUrl": "", "type": "user", **extra}


def discussion_summary(view: DiscussionView) -> dict:
    out = {"num": view.number, "title": view.title, "status": view.status, "isPullRequest": view.is_pull_request,
           "createdAt": iso_date(view.created_at), "repo": {"name": view.repo_id, "type": view.repo_type},
           "numComments": view.comments, "pinned": False, **author(view.author)}
    if view.report_type:
        out["report"] = {"type": view.report_type, "path": view.report_path}
    return out


def event_json(event: EventView, default_author: str | None = None) -> dict:
    out = {"id": event.id, "type": event.type, "createdAt": iso_date(event.created_at), **author(event.author)}
    if event.type != "comment":
        return {**out, "data": event.data}
    data = event.data
    editor = data.get("editor") or event.author or default_author
    history = [{"raw": h["raw"], "html": comment_html(h["raw"]), "updatedAt": _date(h["updatedAt"]),
                **author(h.get("author") or event.author)} for h in data.get("history", [])]
    return {**out, "data": {
        "edited": bool(data.get("edited")), "hidden": bool(data.get("hidden")), "numEdits": max(len(history) - 1, 0),
        "editors": [editor] if editor else [], "reactions": [], "history": history,
        "latest": {"raw": data.get("raw", ""), "html": comment_html(data.get("raw", "")),
                   "updatedAt": _date(data["updatedAt"]), **author(editor)},
        **({"hiddenBy": data["hiddenBy"]} if data.get("hidden") and data.get("hiddenBy") else {}),
    }}


def _date(value: str) -> str:
    return iso_date(datetime.fromisoformat(value))

