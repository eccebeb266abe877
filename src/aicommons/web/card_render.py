"""Cards as pages: Markdown rendered by markdown-it-py, then sanitised by nh3; front matter kept as data.

Raw HTML in a card is allowed through the Markdown renderer on purpose (cards often use it for tables and
images) and everything that could run code is removed by nh3 afterwards: scripts, event attributes,
styles, and links with schemes other than http, https and mailto.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup
from pygments.token import STANDARD_TYPES

from aicommons.cards.frontmatter import parse_front_matter, split_front_matter
from aicommons.web import urls
from aicommons.web.highlight import highlight_block

URL_SCHEMES = {"http", "https", "mailto"}
_TOKEN_CLASSES = {name for name in STANDARD_TYPES.values() if name}

_markdown = MarkdownIt("commonmark", {"html": True,
                                      "highlight": lambda code, lang, _attrs: highlight_block(code, lang)})
_markdown.enable(["table", "strikethrough"])


@dataclass
class Card:
    metadata: dict = field(default_factory=dict)
    html: Markup = Markup("")
    metadata_error: str | None = None  # the front matter is not valid YAML; the body is still shown


def render_card(text: str, repo_type: str, repo_id: str, rev: str) -> Card:
    raw, body = split_front_matter(text)
    card = Card()
    if raw is not None:
        try:
            card.metadata = parse_front_matter(text)
        except (yaml.YAMLError, ValueError) as error:
            card.metadata_error = str(error)
    card.html = render_markdown(body, repo_type, repo_id, rev)
    return card


def render_markdown(text: str, repo_type: str, repo_id: str, rev: str) -> Markup:
    """Safe HTML for Markdown written by anyone; relative links point into the repo at ``rev``."""

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            return _repo_link(value, tag == "img", repo_type, repo_id, rev)
        return value

    html = _markdown.render(text)
    return Markup(nh3.clean(html, allowed_classes={"span": _TOKEN_CLASSES},
                            url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                            attribute_filter=rewrite))


def _repo_link(value: str, is_image: bool, repo_type: str, repo_id: str, rev: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith(("#", "/")) or not parts.path:
        return value  # absolute, in-page or hub-rooted: nh3 has already checked its scheme
    path = posixpath.normpath(parts.path)
    if path.startswith("../") or path == "..":
        return None  # points outside the repo
    if is_image:
        return urls.resolve_url(repo_type, repo_id, rev, path)
    return urls.blob_url(repo_type, repo_id, rev, path) + (f"#{parts.fragment}" if parts.fragment else "")
