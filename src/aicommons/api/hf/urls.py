"""Reading the Hub's URLs and writing absolute ones.

The client percent-encodes revisions with no safe characters (``refs/pr/1`` -> ``refs%2Fpr%2F1``) and, in
tree listings, whole sub-paths. The router matches on the decoded path, so a route ends in ``{rest:path}``
and the handler re-reads that tail from the RAW path: split on ``/`` first, then decode each segment.
"""

from __future__ import annotations

from urllib.parse import unquote, urlencode

from fastapi import Request
from starlette.convertors import Convertor, register_url_convertor

from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType

# revisions that clients sometimes send unencoded; their slashes belong to the revision, not the file path
_MULTI_SEGMENT_REFS = {"pr": 1, "convert": 1, "heads": 1, "tags": 1}


class RepoKindConvertor(Convertor):
    """``models`` or ``datasets`` in /api/{kind}/...; other words fall through to other routers."""

    regex = "|".join(f"{t}s" for t in RepoType)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("repokind", RepoKindConvertor())


def repo_type_of(kind: str) -> RepoType:
    return RepoType.parse(kind)


def route_tail(request: Request) -> list[str]:
    """The decoded segments that the route's trailing ``{rest:path}`` matched, read from the raw path."""
    template = request.scope["route"].path.strip("/").split("/")
    start = template.index("{rest:path}")
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return [_decode(segment) for segment in path.strip("/").split("/")[start:]]


def _decode(segment: str) -> str:
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput("path", f"invalid percent-encoding in {segment!r}: not UTF-8") from None


def revision_of(tail: list[str]) -> str:
    """A route whose tail is only a revision: ``refs%2Fpr%2F1`` and a plain ``refs/pr/1`` both work."""
    revision = "/".join(tail)
    if not revision:
        raise InvalidInput("revision", "a revision is required")
    return revision


def revision_and_path(tail: list[str]) -> tuple[str, str]:
    """A tail of ``{revision}/{path...}``. The revision is one encoded segment, but an unencoded
    ``refs/pr/N`` or ``refs/convert/x`` is recognised too, as the Hub does."""
    if not tail or not tail[0]:
        raise InvalidInput("revision", "a revision is required")
    if tail[0] == "refs" and len(tail) > 2 and tail[1] in _MULTI_SEGMENT_REFS:
        return "/".join(tail[:3]), "/".join(tail[3:])
    return tail[0], "/".join(tail[1:])


def hub_url(request: Request) -> str:
    """The hub's public base URL: configured, or the one the client reached us at."""
    configured = request.app.state.hub.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def repo_url(request: Request, repo_type: RepoType | str, repo_id: str) -> str:
    return f"{hub_url(request)}/{RepoType.parse(str(repo_type)).url_prefix}{repo_id}"


def next_page_link(request: Request, path: str, cursor: int, drop: tuple[str, ...] = ()) -> str:
    """An absolute ``Link: <...>; rel="next"`` header value (the client rejects relative ones)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor" and k not in drop]
    params.append(("cursor", str(cursor)))
    return f'<{hub_url(request)}{path}?{urlencode(params)}>; rel="next"'


def parse_cursor(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit():
        raise InvalidInput("cursor", f"invalid page cursor {value!r}")
    return int(value)
