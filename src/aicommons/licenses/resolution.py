"""Which licence one repo carries: the card's fields checked against its LICENSE files."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import OTHER, AllOf, Catalog, Expression, License, Term
from .inputs import RepoSubject

LICENSE_FILE_STEMS = ("license", "licence", "copying")
NOTICE_FILE_STEMS = ("notice",)


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].split(".", 1)[0].lower()


def is_license_file(path: str) -> bool:
    """A top-level file whose text is the repo's licence (LICENSE, LICENSE.md, LICENCE.txt, COPYING...)."""
    return "/" not in path and _stem(path).split("-", 1)[0] in LICENSE_FILE_STEMS


def is_notice_file(path: str) -> bool:
    return "/" not in path and _stem(path) in NOTICE_FILE_STEMS


def terms(expression: Expression) -> list[Term]:
    """Every licence an expression mentions, in order."""
    if isinstance(expression, Term):
        return [expression]
    return [term for part in expression.parts for term in terms(part)]


def render(expression: Expression, hide_written: bool = False) -> str:
    """An expression written back with catalogue ids (SPDX-style operators).

    An unrecognised name is shown as written, unless ``hide_written`` (a private repo's own words).
    """
    if isinstance(expression, Term):
        lic = expression.license
        text = expression.written if lic.is_unresolved and not hide_written else lic.id
        return f"{text} WITH {expression.exception}" if expression.exception else text
    joiner = " AND " if isinstance(expression, AllOf) else " OR "
    return joiner.join(render(p, hide_written) if isinstance(p, Term) else f"({render(p, hide_written)})"
                       for p in expression.parts)


@dataclass(frozen=True)
class Resolution:
    """The licence a repo is evaluated under, and what it was read from."""

    expression: Expression
    evidence: tuple[str, ...]
    card_expression: Expression | None
    file_licenses: tuple[tuple[str, License | None], ...]
    disagreement: bool

    @property
    def license_ids(self) -> set[str]:
        return {t.license.id for t in terms(self.expression)}


def _card_expression(subject: RepoSubject, catalog: Catalog) -> Expression | None:
    written = list(subject.card.license)
    if not written:
        return None
    parsed = []
    for value in written:
        expression = catalog.parse(value)
        # `license: other` points at license_name, which real cards fill with deepseek, qwen, mrl...
        if isinstance(expression, Term) and expression.license.id == OTHER and subject.card.license_name:
            named = catalog.resolve(subject.card.license_name)
            if named is not None:
                expression = Term(named, subject.card.license_name)
        parsed.append(expression)
    return parsed[0] if len(parsed) == 1 else AllOf(tuple(parsed))


def resolve(subject: RepoSubject, catalog: Catalog) -> Resolution:
    card = _card_expression(subject, catalog)
    files = tuple((path, catalog.identify_text(text)) for path, text in sorted(subject.license_texts.items()))
    identified = [lic for _, lic in files if lic is not None]
    first_seen: dict[str, Term] = {}
    for path, lic in files:
        if lic is not None and lic.id not in first_seen:
            first_seen[lic.id] = Term(lic, path)
    file_terms = tuple(first_seen.values())
    file_expr = None if not file_terms else file_terms[0] if len(file_terms) == 1 else AllOf(file_terms)

    if card is None and file_expr is None:
        return Resolution(Term(catalog.unknown, "no licence declared"), ("no licence in the card or a LICENSE file",),
                          None, files, False)
    if card is None:
        return Resolution(file_expr, ("LICENSE file",), None, files, False)
    card_ids = {t.license.id for t in terms(card)}
    if file_expr is None:
        return Resolution(card, ("card license",), card, files, False)
    if card_ids <= {OTHER, catalog.unknown.id}:
        # the card only says "other"; the LICENSE file names the actual licence
        return Resolution(file_expr, ("LICENSE file", "card license: other"), card, files, False)
    if all(lic.id in card_ids for lic in identified):
        return Resolution(card, ("card license", "LICENSE file agrees"), card, files, False)
    # Disagreement: apply both, which can only make the verdict stricter.
    return Resolution(AllOf((card, file_expr)), ("card license", "LICENSE file disagrees"), card, files, True)

