"""CycloneDX 1.6 ML-BOM for a repo at a revision.

cyclonedx-python-lib builds the BOM (components, hashes, licences, pedigree, dependencies);
it does not implement ``modelCard`` or component ``data`` yet, so those are added to the
serialised JSON, and the result is checked against the library's bundled 1.6 schema in tests.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.output.json import JsonV1Dot6

from aicommons.licenses.catalog import Catalog, Term, load_catalog
from aicommons.licenses.inputs import RepoSubject

from .common import (
    Entry,
    architectures,
    datasets,
    entry,
    is_resolved,
    parents,
    performance_metrics,
    spdx_expression,
    timestamp,
    tool_version,
)

PROPERTY_PREFIX = "aicommons:"


def _licenses(e: Entry) -> list:
    expression = e.expression
    if isinstance(expression, Term):
        lic = expression.license
        if lic.is_unresolved:
            card = e.subject.card if e.subject is not None and not e.hidden else None
            if card is not None and (card.license_name or card.license_link):
                return [DisjunctiveLicense(name=card.license_name or lic.id,
                                           url=XsUri(card.license_link) if card.license_link else None)]
            return []  # unknown: no licence is asserted
        if lic.spdx:
            return [DisjunctiveLicense(id=lic.spdx)]
        return [DisjunctiveLicense(name=lic.name, url=XsUri(lic.url) if lic.url else None)]
    return [LicenseExpression(spdx_expression(expression))]


class _Builder:
    def __init__(self, subject: RepoSubject, catalog: Catalog, hub_url: str | None):
        self.subject = subject
        self.catalog = catalog
        self.hub_url = hub_url.rstrip("/") if hub_url else None
        self.refs: set[str] = set()

    def ref(self, kind: str, e: Entry, suffix: str = "") -> str:
        """A bom-ref unique in the document, stable for the same graph."""
        base = f"{kind}:{e.name}" + (f"@{e.revision}" if e.revision else "") + suffix
        ref, n = base, 1
        while ref in self.refs:
            n += 1
            ref = f"{base}#{n}"
        self.refs.add(ref)
        return ref

    def url(self, e: Entry) -> str | None:
        if not self.hub_url or e.hidden or e.subject is None:
            return None
        prefix = "datasets/" if e.repo_type == "dataset" else ""
        return f"{self.hub_url}/{prefix}{e.name}"

    def files(self, e: Entry) -> list[Component]:
        if e.subject is None or e.hidden:
            return []
        return [Component(type=ComponentType.FILE, name=f.path, bom_ref=self.ref("file", e, f"/{f.path}"),
                          hashes=[HashType(alg=HashAlgorithm.SHA_256, content=f.sha256)])
                for f in e.subject.files if f.sha256]

    def component(self, e: Entry, kind: ComponentType, depth: int = 0) -> Component:
        properties = []
        if e.relation is not None:
            properties.append(Property(name=PROPERTY_PREFIX + "relation", value=e.relation.value))
        if e.hidden:
            properties.append(Property(name=PROPERTY_PREFIX + "visibility", value="private, not named"))
        elif e.subject is None:
            properties.append(Property(name=PROPERTY_PREFIX + "location", value="not on this hub"))
        references = []
        url = self.url(e)
        if url:
            ref_type = ExternalReferenceType.MODEL_CARD if kind is ComponentType.MACHINE_LEARNING_MODEL \
                else ExternalReferenceType.DISTRIBUTION
            references.append(ExternalReference(type=ref_type, url=XsUri(url)))
        ancestors = [self.component(p, ComponentType.MACHINE_LEARNING_MODEL, depth + 1)
                     for p in parents(e, self.catalog)]
        return Component(
            type=kind, name=e.name, version=e.revision, bom_ref=self.ref(kind.value, e),
            supplier=OrganizationalEntity(name=e.owner) if e.owner else None,
            licenses=_licenses(e), properties=properties, external_references=references,
            components=self.files(e) if depth == 0 else [],
            pedigree=Pedigree(ancestors=ancestors) if ancestors else None,
        )

    def build(self) -> dict[str, Any]:
        root = entry(self.subject, self.catalog)
        model = self.component(root, ComponentType.MACHINE_LEARNING_MODEL)
        data_entries = list(datasets(root, self.catalog))
        data = [self.component(d, ComponentType.DATA) for d in data_entries]
        bom = Bom(components=data)
        bom.serial_number = uuid.uuid5(uuid.NAMESPACE_URL, f"aicommons:{root.name}@{root.revision}:cyclonedx")
        bom.metadata.timestamp = timestamp(self.subject)
        bom.metadata.component = model
        bom.metadata.tools.components.add(Component(type=ComponentType.APPLICATION, name="aicommons",
                                                    version=tool_version()))
        bom.register_dependency(model, data)
        document = json.loads(JsonV1Dot6(bom).output_as_string())
        document["metadata"]["component"]["modelCard"] = self.model_card(data)
        by_ref = {str(c.bom_ref): d for c, d in zip(data, data_entries)}
        for component in document.get("components", []):  # the library sorts components
            component["data"] = [self.component_data(by_ref[component["bom-ref"]])]
        return document

    def model_card(self, data: list[Component]) -> dict[str, Any]:
        s = self.subject
        parameters: dict[str, Any] = {}
        if s.card.pipeline_tag:
            parameters["task"] = s.card.pipeline_tag
        if s.config.get("model_type"):
            parameters["architectureFamily"] = str(s.config["model_type"])
        if architectures(s):
            parameters["modelArchitecture"] = architectures(s)[0]
        if data:
            parameters["datasets"] = [{"ref": str(c.bom_ref)} for c in data]
        card: dict[str, Any] = {"modelParameters": parameters}
        metrics = performance_metrics(s)
        if metrics:
            card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
        return card

    def component_data(self, e: Entry) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "dataset", "name": e.name}
        url = self.url(e)
        if url:
            data["contents"] = {"url": url}
        if e.owner:
            data["governance"] = {"owners": [{"organization": {"name": e.owner}}]}
        if not is_resolved(e.expression):
            data["description"] = "licence unknown"
        return data


def cyclonedx_bom(subject: RepoSubject, hub_url: str | None = None, catalog: Catalog | None = None) -> dict:
    """A CycloneDX 1.6 ML-BOM (JSON-ready dict) for the subject, its lineage and training data."""
    return _Builder(subject, catalog or load_catalog(), hub_url).build()
