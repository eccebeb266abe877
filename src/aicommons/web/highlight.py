"""Server-side syntax highlighting with Pygments: whole files, and code blocks inside cards."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

MAX_VIEW_BYTES = 1024 * 1024  # larger text files are offered for download instead of being shown
SNIFF_BYTES = 8000

_FILE_FORMATTER = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="highlight",
                                wrapcode=True)
_INLINE_FORMATTER = HtmlFormatter(nowrap=True)


def looks_binary(sample: bytes) -> bool:
    """Like git: a NUL byte near the start marks binary content; so does text that is not UTF-8."""
    if b"\0" in sample[:SNIFF_BYTES]:
        return True
    try:
        sample[:SNIFF_BYTES].decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < len(sample[:SNIFF_BYTES]) - 4  # a character cut at the sniff boundary is fine
    return False


def _lexer_for(path: str):
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def highlight_file(path: str, text: str) -> Markup:
    """A text file as highlighted HTML with numbered, linkable lines (#L12)."""
    return Markup(highlight(text, _lexer_for(path), _FILE_FORMATTER))


def language_name(path: str) -> str:
    return _lexer_for(path).name


def highlight_block(code: str, language: str) -> str:
    """A fenced code block's highlighted body, or '' to let the Markdown renderer escape it plainly."""
    try:
        lexer = get_lexer_by_name(language.strip().split()[0], stripnl=False) if language.strip() else None
    except ClassNotFound:
        lexer = None
    return highlight(code, lexer, _INLINE_FORMATTER) if lexer else ""


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """Colours for highlighted code, light and dark, for file views and card code blocks."""
    selectors = [".highlight", ".markdown pre"]
    light = HtmlFormatter(style="default").get_style_defs(selectors)
    dark = HtmlFormatter(style="github-dark").get_style_defs(selectors)
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
