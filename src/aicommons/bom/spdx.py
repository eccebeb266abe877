"""SPDX 3.0.1 JSON-LD with the AI and Dataset profiles, for a repo at a revision.

The subject and every upstream model the hub holds are ``ai_AIPackage`` elements, training
data are ``dataset_DatasetPackage``; repos the hub cannot describe (not on the hub, or
private) are plain ``software_Package`` elements, so that no profile field is made up.
Lineage is ``descendantOf`` (the relation kind in its comment), data is ``trainedOn``,
licences are ``hasDeclaredLicense`` to a simple-licensing expression.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from aicommons.licenses.catalog import Catalog, load_catalog
from aicommons.licenses.inputs import RepoSubject

from .common import (
    Entry,
    architectures,
    datasets,
    entry,
    is_resolved,
    license_terms,
    parents,
    performance_metrics,
    spdx_expression,
    timestamp,
    tool_version,
)

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
NO_ASSERTION_LICENSE = "expandedlicensing_NoAssertionLicense"
CREATION_INFO = "_:creationinfo"


@cache
def _dataset_types() -> dict[str, Any]:
    text = resources.files("aicommons.bom").joinpath("data", "dataset_types.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def dataset_types(subject: RepoSubject | None) -> list[str]:
    """SPDX dataset types from the card's task categories and modality tags."""
    if subject is None:
        return ["noAssertion"]
    table = _dataset_types()
    found: list[str] = []
    meta = subject.card.metadata
    categories = meta.get("task_categories") or []
    categories = [categories] if isinstance(categories, str) else categories
    for category in map(str, categories):
        for kind, prefixes in table["by_task_prefix"].items():
            if any(category.startswith(p) for p in prefixes) and kind not in found:
                found.append(kind)
    for tag in subject.card.tags:
        kind = table["by_modality_tag"].get(tag)
        if kind and kind not in found:
            found.append(kind)
    return found or ["noAssertion"]


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Builder:
    def __init__(self, subject: RepoSubject, catalog: Catalog, namespace: str, hub_url: str | None):
        self.subject = subject
        self.catalog = catalog
        self.hub_url = hub_url.rstrip("/") if hub_url else None
        rev = subject.revision or "latest"
        if "://" in namespace:
            self.base = f"{namespace.rstrip('/')}/{subject.repo_type}s/{subject.repo_id}/{rev}"
        else:
            self.base = f"{namespace}:{subject.repo_type}:{subject.repo_id}@{rev}"
        self.graph: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.agents: dict[str, str] = {}
        self.created = _iso(timestamp(subject))

    def new_id(self, local: str) -> str:
        local = "".join(c if c.isalnum() or c in "-._~" else "-" for c in local)
        spdx_id, n = f"{self.base}#{local}", 1
        while spdx_id in self.ids:
            n += 1
            spdx_id = f"{self.base}#{local}-{n}"
        self.ids.add(spdx_id)
        return spdx_id

    def add(self, element: dict[str, Any]) -> str:
        element.setdefault("creationInfo", CREATION_INFO)
        self.graph.append(element)
        return element["spdxId"]

    def organization(self, name: str) -> str:
        if name not in self.agents:
            self.agents[name] = self.add({"type": "Organization", "spdxId": self.new_id(f"org-{name}"),
                                          "name": name})
        return self.agents[name]

    def relationship(self, source: str, kind: str, targets: list[str], comment: str | None = None) -> None:
        element = {"type": "Relationship", "spdxId": self.new_id(f"rel-{kind}"), "from": source,
                   "relationshipType": kind, "to": targets}
        if comment:
            element["comment"] = comment
        self.add(element)

    def location(self, e: Entry) -> str:
        if self.hub_url and e.subject is not None and not e.hidden:
            prefix = "datasets/" if e.repo_type == "dataset" else ""
            return f"{self.hub_url}/{prefix}{e.name}"
        return "NOASSERTION" if e.subject is None or e.hidden else f"{self.base}/{e.repo_type}/{e.name}"

    def license(self, package: str, e: Entry) -> None:
        if not is_resolved(e.expression):
            self.relationship(package, "hasDeclaredLicense", [NO_ASSERTION_LICENSE])
            return
        element: dict[str, Any] = {"type": "simplelicensing_LicenseExpression", "spdxId": self.new_id("license"),
                                   "simplelicensing_licenseExpression": spdx_expression(e.expression)}
        custom = [{"type": "DictionaryEntry", "key": t.license.spdx_id, "value": t.license.url}
                  for t in license_terms(e.expression) if not t.license.spdx and t.license.url]
        if custom:
            element["simplelicensing_customIdToUri"] = list({c["key"]: c for c in custom}.values())
        self.relationship(package, "hasDeclaredLicense", [self.add(element)])

    def common(self, e: Entry, local: str, kind: str, purpose: str) -> dict[str, Any]:
        element: dict[str, Any] = {"type": kind, "spdxId": self.new_id(local), "name": e.name,
                                   "software_primaryPurpose": purpose,
                                   "software_downloadLocation": self.location(e)}
        if e.revision:
            element["software_packageVersion"] = e.revision
        return element

    def model(self, e: Entry) -> str:
        """An upstream or subject model, with its own lineage and licence."""
        if e.subject is None or e.hidden:
            element = self.common(e, "model", "software_Package", "model")
            element["comment"] = "private upstream repo, not named" if e.hidden else "not on this hub"
        else:
            element = self.common(e, "model", "ai_AIPackage", "model")
            s = e.subject
            element["releaseTime"] = _iso(timestamp(s))
            element["suppliedBy"] = self.organization(e.owner or s.author or "unknown")
            element["ai_autonomyType"] = "noAssertion"
            if s.card.pipeline_tag:
                element["ai_domain"] = [s.card.pipeline_tag]
            if architectures(s):
                element["ai_typeOfModel"] = architectures(s)
            metrics = performance_metrics(s)
            if metrics:
                element["ai_metric"] = [{"type": "DictionaryEntry", "key": f"{m['type']} ({m['slice']})".strip(),
                                         "value": m["value"]} for m in metrics]
            training = [f"{edge.relation.value} of an upstream model" for edge in s.parents]
            if s.datasets:
                training.append(f"trained on {len(s.datasets)} declared dataset(s)")
            if training:
                element["ai_informationAboutTraining"] = "; ".join(training)
        package = self.add(element)
        self.license(package, e)
        if e.subject is not None and not e.hidden and e.subject is self.subject:
            self.files(package, e)
        for parent in parents(e, self.catalog):
            self.relationship(package, "descendantOf", [self.model(parent)], comment=parent.relation.value)
        return package

    def dataset(self, e: Entry) -> str:
        if e.subject is None or e.hidden:
            element = self.common(e, "dataset", "software_Package", "data")
            element["comment"] = "private dataset, not named" if e.hidden else "not on this hub"
        else:
            element = self.common(e, "dataset", "dataset_DatasetPackage", "data")
            moment = _iso(timestamp(e.subject))
            element.update({"releaseTime": moment, "builtTime": moment,
                            "originatedBy": [self.organization(e.owner or e.subject.author or "unknown")],
                            "dataset_datasetType": dataset_types(e.subject)})
        package = self.add(element)
        self.license(package, e)
        return package

    def files(self, package: str, e: Entry) -> None:
        found = []
        for f in e.subject.files:
            if not f.sha256:
                continue
            found.append(self.add({"type": "software_File", "spdxId": self.new_id(f"file-{f.path}"), "name": f.path,
                                   "verifiedUsing": [{"type": "Hash", "algorithm": "sha256",
                                                      "hashValue": f.sha256}]}))
        if found:
            self.relationship(package, "contains", found)

    def build(self) -> dict[str, Any]:
        root = entry(self.subject, self.catalog)
        model = self.model(root)
        data = [self.dataset(d) for d in datasets(root, self.catalog)]
        if data:
            self.relationship(model, "trainedOn", data)
        tool = self.add({"type": "Tool", "spdxId": self.new_id("tool"), "name": f"aicommons {tool_version()}"})
        agent = self.add({"type": "SoftwareAgent", "spdxId": self.new_id("agent"), "name": "AI Commons"})
        creation = {"type": "CreationInfo", "@id": CREATION_INFO, "specVersion": SPEC_VERSION,
                    "created": self.created, "createdBy": [agent], "createdUsing": [tool]}
        document = {"type": "SpdxDocument", "spdxId": self.new_id("document"), "creationInfo": CREATION_INFO,
                    "name": f"AI BOM of {root.name}" + (f" at {root.revision}" if root.revision else ""),
                    "profileConformance": ["core", "software", "ai", "dataset", "simpleLicensing"],
                    "rootElement": [model], "element": [el["spdxId"] for el in self.graph]}
        return {"@context": CONTEXT, "@graph": [creation, document, *self.graph]}


def spdx_bom(subject: RepoSubject, namespace: str = "urn:aicommons", hub_url: str | None = None,
             catalog: Catalog | None = None) -> dict:
    """An SPDX 3.0.1 JSON-LD document (JSON-ready dict) for the subject, its lineage and data."""
    return _Builder(subject, catalog or load_catalog(), namespace, hub_url).build()
