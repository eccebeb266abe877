"""The verdict engine: per intended use, combine every licence reaching a repo into one status.

Per licence and use: no grant means needs-review; a clause's effect (obligation, review,
forbid) raises the status; the worst one wins across the lineage (AND), the best option wins
inside an SPDX ``OR``. Unknown licences grant nothing, so they can never come out allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .catalog import AnyOf, Catalog, Clause, Effect, Expression, License, Rule, Scope, Term, load_catalog
from .conflicts import find_conflicts
from .inputs import RepoSubject
from .resolution import render
from .results import Obligation, Reason, Status, UpstreamEntry, UseVerdict, Verdict
from .walk import Application, Lineage, applies, walk

_EFFECT_STATUS = {
    Effect.OBLIGATION: Status.ALLOWED_WITH_OBLIGATIONS,
    Effect.REVIEW: Status.NEEDS_REVIEW,
    Effect.FORBID: Status.NOT_ALLOWED,
}


class UnknownUse(ValueError):
    """An intended use that is not one of the catalogue's use ids."""

    def __init__(self, use: str, known: Iterable[str]):
        super().__init__(f"unknown use {use!r}; expected one of: {', '.join(known)}")
        self.use = use


@dataclass
class Outcome:
    status: Status = Status.ALLOWED
    reasons: list[Reason] = field(default_factory=list)
    obligations: list[tuple[Clause, Application]] = field(default_factory=list)

    def absorb(self, other: "Outcome") -> None:
        if other.status.rank > self.status.rank:
            self.status = other.status
        self.reasons += other.reasons
        self.obligations += other.obligations


def _position_rule(app: Application) -> str | None:
    """The engine rule that explains why an upstream licence counts at all."""
    if app.holder.hidden:
        return "rule/private-upstream"
    if app.holder.external:
        return "rule/not-on-hub"
    if app.scope is Scope.DERIVATIVE:
        return "rule/adapter-needs-base" if app.via_adapter else "rule/derived-weights"
    return None


class Evaluator:
    def __init__(self, catalog: Catalog, lineage: Lineage):
        self.catalog = catalog
        self.lineage = lineage
        own = lineage.own.resolution
        self.declared_ids = own.license_ids if own else set()

    def _reason(self, use: str, effect: str, app: Application, lic: License, clause_id: str, summary: str,
                source, rule: str | None = None, uncertain: bool = False) -> Reason:
        return Reason(use=use, effect=effect, repo=app.holder.label, relation=app.path, license=lic.id,
                      clause=clause_id, summary=summary, source=source, rule=rule or _position_rule(app),
                      uncertain=uncertain or lic.uncertain)

    def _rule_reason(self, use: str, effect: str, app: Application, lic: License, rule: Rule) -> Reason:
        return self._reason(use, effect, app, lic, rule.full_id, rule.summary, rule.source, rule=rule.full_id)

    def term(self, app: Application, term: Term, use: str) -> Outcome:
        lic = term.license
        out = Outcome()
        grant = lic.grant(use, app.scope)
        if grant is not None:
            out.reasons.append(self._reason(use, "grant", app, lic, grant.full_id, grant.summary, grant.source,
                                            uncertain=grant.uncertain))
        else:
            out.status = Status.NEEDS_REVIEW
            fallback = next((c for c in lic.clauses if c.kind == "permission" and c.type == "grant"), None)
            rule = self.catalog.rules["no-grant"]
            if fallback is not None:
                out.reasons.append(self._reason(use, "review", app, lic, fallback.full_id,
                                                f"{rule.summary} Granted: {fallback.summary}", fallback.source,
                                                rule=rule.full_id))
            elif not any(use in c.effect for c in lic.clauses if applies(c, app, self.lineage.subject,
                                                                         self.catalog)):
                out.reasons.append(self._rule_reason(use, "review", app, lic, rule))
        for clause in lic.clauses:
            if clause.kind == "permission" or use not in clause.effect:
                continue
            if not applies(clause, app, self.lineage.subject, self.catalog):
                continue
            effect, rule = self._adjust(clause, app, clause.effect[use])
            out.absorb(Outcome(_EFFECT_STATUS[effect],
                               [self._reason(use, effect.value, app, lic, clause.full_id, clause.summary,
                                             clause.source, rule=rule, uncertain=clause.uncertain)],
                               [(clause, app)] if effect is Effect.OBLIGATION else []))
        if term.exception:
            rule = self.catalog.rules["exception-ignored"]
            out.reasons.append(self._reason(use, "note", app, lic, rule.full_id,
                                            f"{term.exception}: {rule.summary}", rule.source, rule=rule.full_id))
        return out

    def _adjust(self, clause: Clause, app: Application, effect: Effect) -> tuple[Effect, str | None]:
        """Apply the propagation rules that soften or satisfy a clause in this position."""
        if (clause.same_license_satisfies and app.scope is not Scope.SELF and effect is Effect.REVIEW
                and clause.license_id in self.declared_ids):
            return Effect.OBLIGATION, None
        if effect is Effect.FORBID and app.scope is Scope.TRAINED_ON:
            return Effect.REVIEW, "rule/training-data-unsettled"
        if effect is Effect.FORBID and app.via_adapter and Scope.SELF not in clause.scope:
            return Effect.REVIEW, "rule/adapter-unsettled"
        return effect, None

    def expression(self, app: Application, expression: Expression, use: str) -> Outcome:
        if isinstance(expression, Term):
            return self.term(app, expression, use)
        outcomes = [self.expression(app, part, use) for part in expression.parts]
        if isinstance(expression, AnyOf):
            # a choice of licences: the user may pick the most favourable option
            return min(outcomes, key=lambda o: (o.status.rank, len(o.obligations)))
        combined = Outcome()
        for outcome in outcomes:
            combined.absorb(outcome)
        return combined

    def merge_conflicts(self, use: str) -> Outcome:
        rule = self.catalog.rules["merge-conflicting-terms"]
        out = Outcome()
        if use not in rule.uses:
            return out
        for merge in self.lineage.merges:
            families = frozenset().union(*merge.families_by_parent)
            if len(families) > 1:
                out.status = _EFFECT_STATUS[rule.effect]
                out.reasons.append(Reason(use=use, effect=rule.effect.value, repo=merge.holder.label,
                                          relation=(), license=" + ".join(sorted(families)), clause=rule.full_id,
                                          summary=rule.summary, source=rule.source, rule=rule.full_id))
        return out

    def use(self, use: str) -> Outcome:
        total = Outcome()
        for app in self.lineage.applications:
            total.absorb(self.expression(app, app.expression, use))
        total.absorb(self.merge_conflicts(use))
        return total


_EFFECT_ORDER = {"forbid": 0, "review": 1, "obligation": 2, "note": 3, "grant": 4}


def _obligations(outcomes: dict[str, Outcome]) -> list[Obligation]:
    found: dict[str, Obligation] = {}
    for use, outcome in outcomes.items():
        for clause, app in outcome.obligations:
            ob = found.setdefault(clause.full_id, Obligation(
                id=clause.full_id, license=clause.license_id, type=clause.type, summary=clause.summary,
                source=clause.source, uncertain=clause.uncertain))
            if use not in ob.uses:
                ob.uses.append(use)
            if app.holder.label not in ob.required_by:
                ob.required_by.append(app.holder.label)
    return list(found.values())


def verdict(subject: RepoSubject, uses: Iterable[str] | None = None, catalog: Catalog | None = None) -> Verdict:
    """What may be done with ``subject`` for each intended use, why, and what must be done."""
    catalog = catalog or load_catalog()
    wanted = list(dict.fromkeys(uses)) if uses else list(catalog.uses)
    for use in wanted:
        if use not in catalog.uses:
            raise UnknownUse(use, catalog.uses)
    lineage = walk(subject, catalog)
    evaluator = Evaluator(catalog, lineage)
    outcomes = {use: evaluator.use(use) for use in wanted}
    per_use = {}
    for use, outcome in outcomes.items():
        reasons = sorted(dict.fromkeys(outcome.reasons), key=lambda r: _EFFECT_ORDER[r.effect])
        per_use[use] = UseVerdict(use, outcome.status, reasons,
                                  list(dict.fromkeys(c.full_id for c, _ in outcome.obligations)))
    own = lineage.own
    return Verdict(
        repo_id=subject.repo_id,
        repo_type=subject.repo_type,
        revision=subject.revision,
        declared=render(own.expression),
        declared_evidence=own.resolution.evidence if own.resolution else (),
        uses=per_use,
        obligations=_obligations(outcomes),
        conflicts=find_conflicts(lineage, catalog, evaluator),
        upstream=[UpstreamEntry(a.holder.label, a.path, a.scope.value, render(a.expression, a.holder.hidden),
                                a.resolution.evidence if a.resolution else ("not on this hub",))
                  for a in lineage.upstream],
    )
