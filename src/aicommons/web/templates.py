"""The Jinja2 environment of the pages and the one function that renders a page."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from aicommons import __version__
from aicommons.cards import vocabulary
from aicommons.web import urls
from aicommons.web.highlight import stylesheet
from aicommons.web.session import CSRF_FIELD, SessionCodec, WebSession, cookie_header

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/-/static"  # '-' cannot start a user name, so no namespace shadows it

# notices shown after a form redirects (?notice=...): fixed texts, so a link cannot put words in our mouth
NOTICES = {
    "signed-in": "Welcome back.",
    "signed-out": "You are signed out.",
    "created": "Repository created.",
    "uploaded": "Files committed.",
    "card-saved": "Card saved.",
    "visibility": "Visibility updated.",
    "deleted": "Repository deleted.",
    "token-revoked": "Token revoked.",
}


def _static_versions() -> dict[str, str]:
    """A content hash per asset, so browsers may cache assets for long and still see every change."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            for path in STATIC_DIR.iterdir() if path.is_file()}


_VERSIONS = _static_versions()


def static_url(name: str) -> str:
    version = _VERSIONS.get(name)
    return f"{STATIC_PREFIX}/{name}" + (f"?v={version}" if version else "")


CODE_STYLES_PATH = "/-/pygments.css"  # generated from Pygments' styles, so it follows the installed version
CODE_STYLES_URL = f"{CODE_STYLES_PATH}?v={hashlib.sha256(stylesheet().encode()).hexdigest()[:10]}"


def filesize(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def timeago(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return ""
    if when.tzinfo is None:  # SQLite hands back naive datetimes; the hub stores UTC
        when = when.replace(tzinfo=timezone.utc)
    seconds = int(((now or datetime.now(timezone.utc)) - when).total_seconds())
    for limit, unit, span in ((60, "second", 1), (3600, "minute", 60), (86400, "hour", 3600),
                              (86400 * 30, "day", 86400), (86400 * 365, "month", 86400 * 30)):
        if seconds < limit:
            count = max(seconds // span, 0)
            return "just now" if unit == "second" and count < 10 else f"{count} {unit}{'s' if count != 1 else ''} ago"
    years = seconds // (86400 * 365)
    return f"{years} year{'s' if years != 1 else ''} ago"


def isodate(when: datetime | None) -> str:
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.isoformat(timespec="seconds")


def parameters(count: int | None) -> str:
    """A parameter count the way model names say it: 124M, 1.3B."""
    if not count:
        return ""
    for limit, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if count >= limit:
            value = count / limit
            return f"{value:.1f}{unit}".replace(".0", "") if value < 10 else f"{value:.0f}{unit}"
    return str(count)


def language_name(code: str) -> str:
    known = vocabulary.language(code)
    return known.name if known else code


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def _environment() -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(HERE / "templates")]),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filesize=filesize, timeago=timeago, isodate=isodate, parameters=parameters,
                       language_name=language_name)
    env.globals.update(static_url=static_url, code_styles_url=CODE_STYLES_URL, urls=urls, plural=plural,
                       version=__version__)
    return env


ENV = _environment()


def add_template_dir(path: Path) -> None:
    """Let another area (a panel, say) keep its templates beside its code; ours win on a name clash."""
    ENV.loader.loaders.append(FileSystemLoader(path))


def render_fragment(template: str, **context) -> Markup:
    """A piece of a page (a panel's body, for instance), autoescaped like the pages."""
    return Markup(ENV.get_template(template).render(**context))


def render(request: Request, template: str, context: dict | None = None, status: int = 200) -> HTMLResponse:
    """A full page. Makes sure the browser holds a session, so every form on the page gets a CSRF token."""
    codec: SessionCodec = request.app.state.web_codec
    session: WebSession | None = request.state.web_session if hasattr(request.state, "web_session") else None
    if session is None:
        session = WebSession.fresh()
        request.state.web_session = session
    notice = NOTICES.get(request.query_params.get("notice", ""))
    page = {
        "request": request,
        "user": getattr(request.state, "web_user", None),
        "csrf_field": CSRF_FIELD,
        "csrf_token": codec.csrf_token(session),
        "notice": notice,
        **(context or {}),
    }
    response = HTMLResponse(ENV.get_template(template).render(page), status_code=status)
    if session.is_new:
        response.headers.append("set-cookie", cookie_header(codec, session, secure=is_https(request)))
    return response


def is_https(request: Request) -> bool:
    public_url = request.app.state.hub.settings.public_url or ""
    return request.url.scheme == "https" or public_url.startswith("https:")
