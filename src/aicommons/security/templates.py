"""Chat-template injection checks: Jinja templates that reach Python internals when rendered unsandboxed.

The template is split with Jinja's own lexer, so only its code ({{ }} and {% %}) is matched, never the literal
text a system prompt may contain. Patterns come from rules/template_injection.yaml.
"""

from __future__ import annotations

from functools import cache

from .findings import Finding, Severity
from .rules import TemplatePattern

MAX_TEMPLATE = 1 << 20  # chat templates are a few kilobytes; lexing is bounded by this
_CODE_OPEN = {"variable_begin", "block_begin"}
_CODE_CLOSE = {"variable_end", "block_end"}


@cache
def _environment():
    from jinja2 import Environment  # only when a template is met: most scans never need Jinja

    return Environment()


def template_tokens(source: str) -> dict[str, list[str]]:
    """The template's code, by scope: names, attributes (after '.'), filters (after '|'), strings (unescaped,
    with literals joined by ~ or + also folded into one), and the raw text of each code block."""
    env = _environment()
    scopes: dict[str, list[str]] = {"name": [], "attribute": [], "filter": [], "string": [], "code": []}
    previous = None
    chain: str | None = None  # the string literals joined so far by ~ or +
    joining = False  # a ~ or + just followed a string literal
    for token in env.lexer.tokenize(source):
        kind, value = token.type, token.value
        if kind == "string":
            scopes["string"].append(value)
            if joining:
                chain += value
                scopes["string"].append(chain)
            else:
                chain = value
            joining = False
        elif kind in ("tilde", "add") and chain is not None and not joining:
            joining = True
        else:
            chain, joining = None, False
        if kind == "name":
            scopes["name"].append(value)
            if previous == "dot":
                scopes["attribute"].append(value)
            elif previous == "pipe":
                scopes["filter"].append(value)
        previous = kind
    block: list[str] | None = None
    for _, kind, value in env.lex(source):
        if kind in _CODE_OPEN:
            block = []
        elif kind in _CODE_CLOSE and block is not None:
            scopes["code"].append("".join(block))
            block = None
        elif block is not None:
            block.append(value)
    return scopes


def check_chat_template(source: str, patterns: tuple[TemplatePattern, ...], where: str,
                        member: str | None, offset: int | None) -> list[Finding]:
    """Findings for one template; `where` names it in messages (e.g. the GGUF key)."""
    from jinja2.exceptions import TemplateSyntaxError

    if len(source) > MAX_TEMPLATE:
        return [Finding("template.too-large", Severity.SUSPICIOUS,
                        f"{where}: chat template of {len(source)} characters is too large to check", where, member,
                        offset)]
    try:
        scopes = template_tokens(source)
    except TemplateSyntaxError as exc:
        return [Finding("template.syntax", Severity.SUSPICIOUS,
                        f"{where}: chat template does not parse ({exc.message}), so it cannot be checked",
                        where, member, offset)]
    findings, seen = [], set()
    for pattern in patterns:
        for value in scopes[pattern.scope]:
            if pattern.regex.search(value) and pattern.rule_id not in seen:
                seen.add(pattern.rule_id)
                findings.append(Finding(pattern.rule_id, pattern.severity, f"{where}: {pattern.message}",
                                        f"{where}: {value[:80]}", member, offset))
    return findings
