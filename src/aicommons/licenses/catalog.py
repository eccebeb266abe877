"""The licence catalogue: licences, clauses, uses and propagation rules loaded from ``data/``.

Names people write (hub ids, SPDX ids, common spellings) resolve through aliases;
SPDX expressions are parsed with ``license-expression``; a LICENSE file's text is
recognised by the distinctive phrases stored with each licence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any, Mapping, Union

import yaml
from license_expression import ExpressionError, LicenseSymbol, LicenseWithExceptionSymbol, Licensing

UNKNOWN = "unknown"
OTHER = "other"


class Effect(str, Enum):
    """What a clause does to an intended use (ordered from mild to severe)."""

    OBLIGATION = "obligation"
    REVIEW = "review"
    FORBID = "forbid"


class Scope(str, Enum):
    """Where a licence reaches: the licensed repo itself, models derived from it, models trained on it."""

    SELF = "self"
    DERIVATIVE = "derivative"
    TRAINED_ON = "trained-on"


@dataclass(frozen=True)
class Source:
    url: str | None
    section: str | None

    def to_dict(self) -> dict:
        return {"url": self.url, "section": self.section}


@dataclass(frozen=True)
class Check:
    """A mechanical test of a repo against a clause (name prefix, notice file, ...)."""

    kind: str
    severity: str = "warning"
    prefix: str | None = None
    any_of: tuple[str, ...] = ()
    contains: str | None = None
    derivatives_only: bool = False


@dataclass(frozen=True)
class Clause:
    license_id: str
    id: str
    kind: str
    type: str
    summary: str
    source: Source
    scope: frozenset[Scope]
    uses: frozenset[str] = frozenset()
    effect: Mapping[str, Effect] = field(default_factory=dict)
    when: str | None = None
    same_license_satisfies: bool = False
    check: Check | None = None
    uncertain: bool = False
    threshold: Mapping[str, Any] = field(default_factory=dict)

    @property
    def full_id(self) -> str:
        return f"{self.license_id}/{self.id}"


@dataclass(frozen=True)
class License:
    id: str
    name: str
    spdx: str | None
    family: str
    url: str | None
    aliases: tuple[str, ...]
    osi_approved: bool
    open_data: bool
    passes_on: bool
    text_markers: tuple[str, ...]
    clauses: tuple[Clause, ...] = field(repr=False)
    uncertain: bool = False

    @property
    def is_unresolved(self) -> bool:
        return self.family == UNKNOWN

    @property
    def spdx_id(self) -> str:
        """The SPDX id, or a LicenseRef for licences SPDX does not list."""
        return self.spdx or "LicenseRef-" + re.sub(r"[^A-Za-z0-9.-]", "-", self.id.replace("+", "-plus"))

    def grant(self, use: str, scope: Scope) -> Clause | None:
        return next((c for c in self.clauses if c.kind == "permission" and c.type == "grant"
                     and use in c.uses and scope in c.scope), None)


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    effect: Effect | None = None
    uses: frozenset[str] = frozenset()

    @property
    def full_id(self) -> str:
        return f"rule/{self.id}"

    @property
    def source(self) -> Source:
        return Source(url=None, section=f"AI Commons propagation rule '{self.id}'")


# A parsed licence expression: one licence, all of several (AND), or a choice (OR).
@dataclass(frozen=True)
class Term:
    license: License
    written: str
    exception: str | None = None


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Expression", ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Expression", ...]


Expression = Union[Term, AllOf, AnyOf]


def normalise_name(name: str) -> str:
    """Compare licence names ignoring case and the space/underscore/hyphen spelling."""
    return re.sub(r"[\s_-]+", "-", name.strip().lower())


def normalise_text(text: str) -> str:
    """Flatten a licence text for phrase matching: case, dashes, markdown marks and spacing."""
    text = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("\u00a9", "(c)")
    text = re.sub(r"[*#`>]", " ", text)
    return re.sub(r"\s+", " ", text)


class CatalogError(ValueError):
    """The licence data files are inconsistent."""


class Catalog:
    def __init__(self, licenses: dict[str, License], rules: dict[str, Rule], uses: tuple[str, ...],
                 conditions: Mapping[str, Mapping[str, Any]]):
        self.licenses = licenses
        self.rules = rules
        self.uses = uses
        self.conditions = conditions
        self._by_name: dict[str, License] = {}
        for lic in licenses.values():
            for name in (lic.id, lic.spdx, *lic.aliases):
                if not name:
                    continue
                key = normalise_name(name)
                if self._by_name.get(key, lic) is not lic:
                    raise CatalogError(f"licence name {name!r} is claimed by {self._by_name[key].id} and {lic.id}")
                self._by_name[key] = lic
        self._licensing = Licensing()

    @property
    def unknown(self) -> License:
        return self.licenses[UNKNOWN]

    def resolve(self, name: str | None) -> License | None:
        """The licence a hub id, SPDX id or alias names, or None."""
        if not name or not name.strip():
            return None
        return self._by_name.get(normalise_name(name))

    def parse(self, written: str) -> Expression:
        """Parse a licence name or SPDX expression; unrecognised parts become the unknown licence."""
        lic = self.resolve(written)
        if lic is not None:
            return Term(lic, written)
        try:
            parsed = self._licensing.parse(written)
        except ExpressionError:
            return Term(self.unknown, written)
        if parsed is None:
            return Term(self.unknown, written)
        return self._convert(parsed)

    def _convert(self, node: Any) -> Expression:
        if isinstance(node, LicenseWithExceptionSymbol):
            key = node.license_symbol.key
            return Term(self.resolve(key) or self.unknown, key, exception=node.exception_symbol.key)
        if isinstance(node, LicenseSymbol):
            return Term(self.resolve(node.key) or self.unknown, node.key)
        parts = tuple(self._convert(arg) for arg in node.args)
        return AllOf(parts) if node.operator.strip().upper() == "AND" else AnyOf(parts)

    def identify_text(self, text: str) -> License | None:
        """The licence whose distinctive phrases all occur in ``text``; the most specific one wins."""
        flat = normalise_text(text)
        best, best_weight = None, 0
        for lic in self.licenses.values():
            markers = lic.text_markers
            if markers and all(normalise_text(m).strip() in flat for m in markers):
                weight = sum(len(m) for m in markers)
                if weight > best_weight:
                    best, best_weight = lic, weight
        return best


# ---------------------------------------------------------------- loading the data files

_CLAUSE_KEYS = {"id", "kind", "type", "summary", "scope", "uses", "effect", "when", "same_license_satisfies",
                "check", "uncertain", "threshold", "source", "section"}
_LICENSE_KEYS = {"name", "spdx", "family", "url", "aliases", "osi_approved", "open_data", "passes_on",
                 "text_markers", "extends", "drop", "abstract", "clauses", "clause_source", "uncertain"}


def _read(name: str) -> Any:
    return yaml.safe_load(resources.files("aicommons.licenses").joinpath("data", name).read_text("utf-8"))


def _expand_uses(value: Any, uses: tuple[str, ...], where: str) -> list[str]:
    if value == "all":
        return list(uses)
    items = list(value or ())
    unknown = [u for u in items if u not in uses]
    if unknown:
        raise CatalogError(f"{where}: unknown use(s) {unknown}")
    return items


def _flatten(raw: dict, lid: str, seen: tuple[str, ...] = ()) -> dict:
    """Merge an entry with the entries it extends (clauses replace by id, `drop` removes)."""
    entry = raw[lid]
    unknown = set(entry) - _LICENSE_KEYS
    if unknown:
        raise CatalogError(f"licence {lid}: unknown field(s) {sorted(unknown)}")
    parents = entry.get("extends") or []
    parents = [parents] if isinstance(parents, str) else parents
    merged: dict = {}
    clauses: dict[str, dict] = {}
    for parent in parents:
        if parent in seen or parent not in raw:
            raise CatalogError(f"licence {lid}: cannot extend {parent!r}")
        base = _flatten(raw, parent, seen + (lid,))
        merged.update({k: v for k, v in base.items() if k not in ("abstract", "clauses")})
        clauses.update({c["id"]: c for c in base["clauses"]})
    merged.update({k: v for k, v in entry.items() if k not in ("extends", "drop", "clauses")})
    for clause_id in entry.get("drop") or ():
        clauses.pop(clause_id, None)
    clauses.update({c["id"]: c for c in entry.get("clauses") or ()})
    merged["clauses"] = list(clauses.values())
    return merged


def _clause(lid: str, entry: dict, raw: dict, uses: tuple[str, ...]) -> Clause:
    where = f"licence {lid}, clause {raw.get('id')}"
    unknown = set(raw) - _CLAUSE_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {sorted(unknown)}")
    if raw.get("kind") not in ("permission", "condition", "limitation"):
        raise CatalogError(f"{where}: kind must be permission, condition or limitation")
    default = entry.get("clause_source") or {}
    given = raw.get("source") or {}
    source = Source(url=given.get("url") or default.get("url") or entry.get("url"),
                    section=given.get("section") or raw.get("section") or default.get("section"))
    effect: dict[str, Effect] = {}
    for use, value in (raw.get("effect") or {}).items():
        for expanded in _expand_uses("all" if use == "all" else [use], uses, where):
            effect[expanded] = Effect(value)
    check = raw.get("check")
    return Clause(
        license_id=lid,
        id=raw["id"],
        kind=raw["kind"],
        type=raw["type"],
        summary=raw["summary"],
        source=source,
        scope=frozenset(Scope(s) for s in raw["scope"]),
        uses=frozenset(_expand_uses(raw.get("uses"), uses, where)),
        effect=effect,
        when=raw.get("when"),
        same_license_satisfies=bool(raw.get("same_license_satisfies")),
        check=Check(kind=check["kind"], severity=check.get("severity", "warning"), prefix=check.get("prefix"),
                    any_of=tuple(check.get("any_of") or ()), contains=check.get("contains"),
                    derivatives_only=bool(check.get("derivatives_only"))) if check else None,
        uncertain=bool(raw.get("uncertain") or entry.get("uncertain")),
        threshold=raw.get("threshold") or {},
    )


@cache
def use_titles() -> dict[str, str]:
    """Each intended use's id and the short title people read (for pages and reports)."""
    return {u["id"]: u["title"] for u in _read("uses.yaml")["uses"]}


@cache
def load_catalog() -> Catalog:
    uses = tuple(u["id"] for u in _read("uses.yaml")["uses"])
    raw = _read("licenses.yaml")["licenses"]
    licenses = {}
    for lid, entry in raw.items():
        if entry.get("abstract"):
            continue
        flat = _flatten(raw, lid)
        licenses[lid] = License(
            id=lid,
            name=flat["name"],
            spdx=flat.get("spdx"),
            family=flat["family"],
            url=flat.get("url"),
            aliases=tuple(flat.get("aliases") or ()),
            osi_approved=bool(flat.get("osi_approved")),
            open_data=bool(flat.get("open_data")),
            passes_on=bool(flat.get("passes_on")),
            text_markers=tuple(flat.get("text_markers") or ()),
            clauses=tuple(_clause(lid, flat, c, uses) for c in flat["clauses"]),
            uncertain=bool(flat.get("uncertain")),
        )
    rule_data = _read("rules.yaml")
    rules = {}
    for rid, entry in rule_data["rules"].items():
        rules[rid] = Rule(id=rid, summary=entry["summary"],
                          effect=Effect(entry["effect"]) if entry.get("effect") else None,
                          uses=frozenset(_expand_uses(entry.get("uses"), uses, f"rule {rid}")))
    for required in (UNKNOWN, OTHER):
        if required not in licenses:
            raise CatalogError(f"the catalogue must define the {required!r} licence")
    return Catalog(licenses, rules, uses, rule_data.get("conditions") or {})
