"""Model Openness Framework class and OSI Open Source AI Definition status of a repo."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import cache
from importlib import resources
from typing import Any

import yaml

from aicommons.licenses.catalog import AllOf, AnyOf, Catalog, Expression, Term, load_catalog
from aicommons.licenses.inputs import ExternalNode, HiddenNode, Node, RepoSubject
from aicommons.licenses.resolution import render, resolve

OPEN, WARNING, NOT_OPEN, UNKNOWN, NOT_APPLICABLE = "open", "open-wrong-kind", "not-open", "unknown", "n/a"
PRESENT, ABSENT = "present", "absent"


@cache
def criteria() -> dict[str, Any]:
    text = resources.files("aicommons.openness").joinpath("data", "openness.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass
class ComponentStatus:
    id: str
    name: str
    mof_class: str
    optional: bool
    presence: str
    evidence: list[str]
    license: str | None
    license_status: str

    @property
    def met(self) -> bool:
        return self.presence == PRESENT and self.license_status in (OPEN, WARNING)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "class": self.mof_class, "optional": self.optional,
                "presence": self.presence, "evidence": self.evidence, "license": self.license,
                "license_status": self.license_status, "met": self.met}


@dataclass
class OpennessReport:
    repo_id: str
    revision: str | None
    mof_class: str | None
    mof_class_name: str | None
    components: list[ComponentStatus]
    missing: dict[str, list[str]]
    osaid_status: str
    osaid_reasons: list[str]
    card_sections: dict[str, bool]
    sources: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"repo_id": self.repo_id, "revision": self.revision,
                "mof": {"class": self.mof_class, "name": self.mof_class_name,
                        "components": [c.to_dict() for c in self.components], "missing": self.missing},
                "osaid": {"status": self.osaid_status, "reasons": self.osaid_reasons},
                "card_sections": self.card_sections, "sources": self.sources}


def license_openness(expression: Expression, kind: str) -> str:
    """How open a licence is for a component kind, as the MOF's licence lists judge it."""
    if isinstance(expression, AnyOf):
        found = [license_openness(p, kind) for p in expression.parts]
        return min(found, key=[OPEN, WARNING, UNKNOWN, NOT_OPEN].index)
    if isinstance(expression, AllOf):
        found = [license_openness(p, kind) for p in expression.parts]
        return max(found, key=[OPEN, WARNING, UNKNOWN, NOT_OPEN].index)
    lic = expression.license
    if lic.is_unresolved:
        return UNKNOWN
    fits = {"code": lic.osi_approved, "data": lic.open_data, "document": lic.open_data,
            "parameters": lic.osi_approved or lic.open_data}[kind]
    if fits:
        return OPEN
    return WARNING if (lic.osi_approved or lic.open_data) else NOT_OPEN


def _matches(path: str, globs: list[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch(path, g) if "/" in g else fnmatch(name, g) for g in globs)


def _node_license(node: Node, catalog: Catalog) -> Expression:
    inner = node.subject if isinstance(node, HiddenNode) else node
    if isinstance(inner, ExternalNode):
        return Term(catalog.unknown, "not on this hub")
    return resolve(inner, catalog).expression


def _combine(expressions: list[Expression]) -> Expression | None:
    if not expressions:
        return None
    return expressions[0] if len(expressions) == 1 else AllOf(tuple(expressions))


class _Detector:
    def __init__(self, subject: RepoSubject, catalog: Catalog, facts: dict):
        self.subject = subject
        self.catalog = catalog
        self.facts = facts
        self.paths = [f.path for f in subject.files]
        self.own_license = resolve(subject, catalog).expression

    def detect(self, rule: dict) -> tuple[str, list[str], Expression | None]:
        """Presence, evidence and the licence that governs the component."""
        s, card = self.subject, self.subject.card
        evidence: list[str] = []
        licence: Expression | None = self.own_license
        if rule.get("globs"):
            evidence += [p for p in self.paths if _matches(p, rule["globs"])][:5]
        if rule.get("weights"):
            evidence += [p for p in self.paths if _matches(p, self.facts["weight_globs"])][:5]
        if rule.get("config_key") and s.config.get(rule["config_key"]):
            evidence.append(f"config.json {rule['config_key']}: {', '.join(map(str, s.config[rule['config_key']]))}")
        if rule.get("card_text") and card.text.strip():
            evidence.append("README.md card text")
        if rule.get("model_index") and card.model_index:
            evidence.append("card model-index")
        if rule.get("library") and card.library_name in self.facts["inference_libraries"]:
            evidence.append(f"library_name: {card.library_name}")
        if rule.get("paper"):
            evidence += [t for t in card.tags if t.lower().startswith(("arxiv:", "doi:"))]
            if re.search(r"arxiv\.org/(abs|pdf)/|doi\.org/", card.text):
                evidence.append("paper link in the card")
        if rule.get("checkpoints"):
            patterns = rule["checkpoints"]
            evidence += [f"ref {r}" for r in s.refs if any(fnmatch(r.rsplit("/", 1)[-1], p) for p in patterns)]
            folders = {p.split("/", 1)[0] for p in self.paths if "/" in p}
            evidence += [f"folder {d}/" for d in sorted(folders) if any(fnmatch(d, p) for p in patterns)]
        if rule.get("datasets") or rule.get("dataset_cards"):
            return self._datasets(bool(rule.get("dataset_cards")))
        if rule.get("eval_datasets"):
            names = sorted({str(r.get("dataset", {}).get("type") or r.get("dataset", {}).get("name"))
                            for entry in card.model_index for r in entry.get("results", ())
                            if isinstance(r, dict) and r.get("dataset")})
            # an evaluation set's licence is known only when it is also a dataset the hub resolved
            known = {self._label(n): n for n in s.datasets}
            licences = [_node_license(known[n], self.catalog) if n in known
                        else Term(self.catalog.unknown, "evaluation data") for n in names]
            return (PRESENT if names else ABSENT), names, _combine(licences)
        return (PRESENT if evidence else ABSENT), evidence, licence

    @staticmethod
    def _label(node: Node) -> str:
        return "a private dataset" if isinstance(node, HiddenNode) else node.repo_id

    def _datasets(self, cards: bool) -> tuple[str, list[str], Expression | None]:
        nodes = self.subject.datasets
        if not nodes:
            return ABSENT, [], None
        evidence, licences, complete = [], [], True
        for node in nodes:
            inner = node.subject if isinstance(node, HiddenNode) else node
            label = self._label(node)
            licences.append(_node_license(node, self.catalog))
            if isinstance(inner, ExternalNode):
                complete = False
                evidence.append(f"{label} (not on this hub)")
            elif cards and not inner.card.text.strip():
                complete = False
                evidence.append(f"{label} (no card)")
            else:
                evidence.append(label)
        return (PRESENT if complete else UNKNOWN), evidence, _combine(licences)


def _card_sections(text: str, patterns: dict[str, list[str]]) -> dict[str, bool]:
    headings = [h.strip().lower() for h in re.findall(r"^#{1,6}\s+(.+)$", text, re.M)]
    return {section: any(any(p in h for p in names) for h in headings) for section, names in patterns.items()}


def _osaid(components: dict[str, ComponentStatus], sections: dict[str, bool],
           subject: RepoSubject) -> tuple[str, list[str]]:
    """OSAID 1.0 needs parameters, complete code and data information under OSI-approved terms."""
    blocking, unknown = [], []
    needed = {"model-parameters": "parameters", "training-code": "training code",
              "inference-code": "inference code", "data-preprocessing-code": "data processing code"}
    for cid, label in needed.items():
        comp = components[cid]
        if comp.presence != PRESENT:
            blocking.append(f"no {label} found")
        elif comp.license_status == NOT_OPEN:
            blocking.append(f"the {label} are not under OSI-approved terms ({comp.license})")
        elif comp.license_status == UNKNOWN:
            unknown.append(f"the licence of the {label} is unknown")
    if not subject.datasets and not sections.get("training-data"):
        blocking.append("no data information: no datasets listed and no training-data section in the card")
    if blocking:
        return "does-not-conform", blocking + unknown
    if unknown:
        return "unknown", unknown
    return "may-conform", ["a person must check that the data information is sufficient"]


def openness(subject: RepoSubject, catalog: Catalog | None = None) -> OpennessReport:
    catalog = catalog or load_catalog()
    facts = criteria()
    detector = _Detector(subject, catalog, facts)
    components: dict[str, ComponentStatus] = {}
    for spec in facts["components"]:
        presence, evidence, licence = detector.detect(spec["detect"])
        if presence == ABSENT:
            licence = None
        status = NOT_APPLICABLE if licence is None and presence == ABSENT else \
            license_openness(licence, spec["license_kind"]) if licence is not None else UNKNOWN
        components[spec["id"]] = ComponentStatus(
            id=spec["id"], name=spec["name"], mof_class=spec["class"], optional=bool(spec.get("optional")),
            presence=presence, evidence=evidence, license=render(licence) if licence is not None else None,
            license_status=status)
    class_ids = [c["id"] for c in facts["classes"]]  # III, II, I: each adds to the one before
    missing: dict[str, list[str]] = {}
    achieved = None
    required: list[ComponentStatus] = []
    for class_id in class_ids:
        required += [c for c in components.values() if c.mof_class == class_id and not c.optional]
        missing[class_id] = [c.id for c in required if not c.met]
        if not missing[class_id]:
            achieved = class_id
    names = {c["id"]: c["name"] for c in facts["classes"]}
    sections = _card_sections(subject.card.text, facts["card_sections"])
    status, reasons = _osaid(components, sections, subject)
    return OpennessReport(
        repo_id=subject.repo_id, revision=subject.revision, mof_class=achieved,
        mof_class_name=names.get(achieved) if achieved else None, components=list(components.values()),
        missing=missing, osaid_status=status, osaid_reasons=reasons, card_sections=sections,
        sources=facts["sources"])
