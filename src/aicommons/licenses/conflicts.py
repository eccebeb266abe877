"""Conflicts a repo shows as it stands: relicensing, LICENSE-file mismatch, missing notices and names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .catalog import AnyOf, Catalog, Clause, Effect, Expression, License, Scope, Source, Term, normalise_text
from .inputs import RepoSubject
from .resolution import render, terms
from .results import Conflict, Status
from .walk import Application, Lineage, applies

if TYPE_CHECKING:
    from .verdict import Evaluator


def _compact(name: str) -> str:
    return re.sub(r"[\s._-]+", "", name.lower())


def _check_failure(clause: Clause, subject: RepoSubject, catalog: Catalog) -> str | None:
    """Run a clause's mechanical check against the subject; the problem found, or None."""
    check = clause.check
    if check.kind == "naming-prefix":
        if not _compact(subject.name).startswith(_compact(check.prefix)):
            return f"the model name {subject.name!r} must begin with {check.prefix!r}"
    elif check.kind == "display-text":
        texts = [subject.card.text, *subject.notice_texts.values()]
        flat = " ".join(normalise_text(t) for t in texts)
        if not any(normalise_text(phrase).strip() in flat for phrase in check.any_of):
            wanted = " or ".join(repr(p) for p in check.any_of)
            return f"the card or NOTICE must display {wanted}"
    elif check.kind == "notice-file":
        if not subject.notice_texts:
            return "no NOTICE file in the repo"
        if not any(check.contains in normalise_text(t) for t in subject.notice_texts.values()):
            return "the NOTICE file lacks the required notice line"
    elif check.kind == "license-copy":
        lic = catalog.licenses[clause.license_id]
        if lic.text_markers and not any(catalog.identify_text(t) is lic for t in subject.license_texts.values()):
            return f"no copy of the {lic.name} in the repo's LICENSE files"
    return None


def _mechanical(lineage: Lineage, catalog: Catalog) -> list[Conflict]:
    subject = lineage.subject
    derived = bool(subject.parents or subject.datasets)
    found: dict[tuple[str, str], Conflict] = {}
    for app in lineage.applications:
        for term in terms(app.expression):
            for clause in term.license.clauses:
                if clause.check is None or not applies(clause, app, subject, catalog):
                    continue
                if clause.check.derivatives_only and app.scope is Scope.SELF and not derived:
                    continue
                key = (clause.check.kind, clause.full_id)
                problem = None if key in found else _check_failure(clause, subject, catalog)
                if problem:
                    found[key] = Conflict(
                        kind=clause.check.kind, severity=clause.check.severity,
                        message=f"{problem} ({term.license.name}, required via {app.holder.label})",
                        repo=subject.repo_id, license=term.license.id, clause=clause.full_id, source=clause.source)
    return list(found.values())


def _disallows(evaluator: "Evaluator", app: Application, expression: Expression, use: str) -> bool:
    """Whether the licence, read literally (before any softening rule), withholds a use here."""
    if isinstance(expression, Term):
        lic = expression.license
        if lic.grant(use, app.scope) is None:
            return True
        return any(c.effect.get(use) is Effect.FORBID for c in lic.clauses
                   if c.kind != "permission" and applies(c, app, evaluator.lineage.subject, evaluator.catalog))
    results = [_disallows(evaluator, app, part, use) for part in expression.parts]
    return all(results) if isinstance(expression, AnyOf) else any(results)


def _relicensing(lineage: Lineage, catalog: Catalog, evaluator: "Evaluator") -> list[Conflict]:
    own = lineage.own
    declared = terms(own.expression)
    if any(t.license.is_unresolved for t in declared):
        return []
    declared_ids = {t.license.id for t in declared}
    declared_text = render(own.expression)
    permitted = [use for use in catalog.uses
                 if evaluator.expression(own, own.expression, use).status.rank
                 <= Status.ALLOWED_WITH_OBLIGATIONS.rank]
    conflicts = []
    for app in lineage.upstream:
        upstream_terms = terms(app.expression)
        if any(t.license.is_unresolved for t in upstream_terms):
            conflicts.append(Conflict(
                kind="unknown-upstream", severity="warning", repo=lineage.subject.repo_id,
                message=(f"declares {declared_text}, but the licence of {app.holder.label} "
                         f"({' > '.join(app.path)}) is unknown")))
            continue
        narrower = [use for use in permitted if _disallows(evaluator, app, app.expression, use)]
        dropped: list[License] = []
        if app.scope is Scope.DERIVATIVE:
            dropped = [t.license for t in upstream_terms if t.license.passes_on and t.license.id not in declared_ids]
        if not narrower and not dropped:
            continue
        parts = []
        if narrower:
            parts.append(f"permits {', '.join(narrower)}, which {render(app.expression, app.holder.hidden)} "
                         f"does not")
        if dropped:
            parts.append(f"drops the pass-on terms of {', '.join(lic.id for lic in dropped)}")
        what = "its training data" if app.scope is Scope.TRAINED_ON else "its upstream"
        first = (dropped or [upstream_terms[0].license])[0]
        conflicts.append(Conflict(
            # whether training data or an adapter's base binds the declared licence is unsettled
            kind="relicensed", severity="warning" if app.scope is Scope.TRAINED_ON or app.via_adapter else "error",
            message=(f"declares {declared_text}, looser than {what} {app.holder.label} "
                     f"({' > '.join(app.path)}): it " + " and ".join(parts)),
            repo=lineage.subject.repo_id, license=first.id, clause=None,
            source=Source(url=first.url, section=None)))
    return conflicts


def _file_mismatch(lineage: Lineage) -> list[Conflict]:
    resolution = lineage.own.resolution
    if resolution is None or not resolution.disagreement:
        return []
    card = render(resolution.card_expression)
    files = ", ".join(f"{path} reads as {lic.id}" for path, lic in resolution.file_licenses if lic is not None)
    return [Conflict(kind="license-file-mismatch", severity="error", repo=lineage.subject.repo_id,
                     message=f"the card declares {card}, but {files}; both are applied until this is fixed",
                     clause="rule/license-file-disagrees")]


def _merges(lineage: Lineage, catalog: Catalog) -> list[Conflict]:
    rule = catalog.rules["merge-conflicting-terms"]
    conflicts = []
    for merge in lineage.merges:
        families = frozenset().union(*merge.families_by_parent)
        if len(families) > 1:
            conflicts.append(Conflict(
                kind="merge-conflicting-terms", severity="warning", repo=lineage.subject.repo_id,
                message=f"{merge.holder.label} merges parents under different pass-on terms: "
                        f"{', '.join(sorted(families))}",
                clause=rule.full_id, source=rule.source))
    return conflicts


def _missing(lineage: Lineage) -> list[Conflict]:
    own = terms(lineage.own.expression)
    if all(not t.license.is_unresolved for t in own):
        return []
    card = lineage.subject.card
    what = "a custom licence (`other`)" if any(t.license.id == "other" for t in own) else "no resolvable licence"
    hint = f": {card.license_name or ''} {card.license_link or ''}".rstrip() if card.license_name or \
        card.license_link else ""
    return [Conflict(kind="missing-license", severity="warning", repo=lineage.subject.repo_id,
                     message=f"the repo declares {what}{hint}; every use needs review")]


def find_conflicts(lineage: Lineage, catalog: Catalog, evaluator: "Evaluator") -> list[Conflict]:
    return [*_missing(lineage), *_file_mismatch(lineage), *_relicensing(lineage, catalog, evaluator),
            *_merges(lineage, catalog), *_mechanical(lineage, catalog)]
