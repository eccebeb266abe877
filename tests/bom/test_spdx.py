"""SPDX 3.0.1 JSON-LD with the AI and Dataset profiles.

No PyPI package ships the SPDX 3.0.1 JSON schema (spdx3-validate downloads it at run time,
spdx-tools carries a pre-release model), so the document is checked with spdx-python-model,
whose bindings are generated from the official 3.0.1 SHACL model: reading it back rejects
unknown properties, wrong types, bad enumerations and missing required properties. The
profile requirements the SHACL does not encode are asserted here from the specification.
"""

import io
import json

import pytest

from aicommons.bom import spdx_bom

spdx = pytest.importorskip("spdx_python_model", reason="spdx-python-model validates SPDX 3.0.1 documents").v3_0_1

# spdx/spdx-3-model model/AI/Classes/AIPackage.md and model/Dataset/Classes/DatasetPackage.md
AI_PACKAGE_REQUIRED = ["suppliedBy", "software_downloadLocation", "software_packageVersion",
                       "software_primaryPurpose", "releaseTime"]
DATASET_REQUIRED = ["dataset_datasetType", "builtTime", "originatedBy", "releaseTime", "software_downloadLocation",
                    "software_primaryPurpose"]


def read_back(document):
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(json.dumps(document).encode()), objects)
    spdx.JSONLDSerializer().write(objects, io.BytesIO())  # encoding checks required properties
    return objects


def by_type(document, kind):
    return [e for e in document["@graph"] if e["type"] == kind]


def test_document_conforms_to_the_spdx_301_model(subject):
    objects = read_back(spdx_bom(subject, hub_url="https://hub.example"))
    assert len(list(objects.foreach_type(spdx.ai_AIPackage))) == 3  # subject, org/mid, Llama base


def test_the_check_rejects_a_broken_document(subject):
    document = spdx_bom(subject)
    by_type(document, "ai_AIPackage")[0]["ai_autonomyType"] = "sometimes"
    with pytest.raises(ValueError):
        read_back(document)
    document = spdx_bom(subject)
    by_type(document, "ai_AIPackage")[0]["ai_modelSize"] = "7B"
    with pytest.raises(KeyError):
        read_back(document)


def test_profile_required_fields_are_present(subject):
    document = spdx_bom(subject)
    for package in by_type(document, "ai_AIPackage"):
        assert all(package.get(k) for k in AI_PACKAGE_REQUIRED), package["name"]
    datasets = by_type(document, "dataset_DatasetPackage")
    assert {d["name"] for d in datasets} == {"data/corpus", "data/custom"}
    for dataset in datasets:
        assert all(dataset.get(k) for k in DATASET_REQUIRED), dataset["name"]
    assert next(d for d in datasets if d["name"] == "data/corpus")["dataset_datasetType"] == ["text"]


def test_relationships_lineage_data_and_licences(subject):
    document = spdx_bom(subject)
    ids = {e["spdxId"]: e for e in document["@graph"] if "spdxId" in e}
    rels = by_type(document, "Relationship")
    for rel in rels:
        for target in [rel["from"], *rel["to"]]:
            assert target in ids or target == "expandedlicensing_NoAssertionLicense"
    root = document["@graph"][1]["rootElement"][0]
    kinds = {(r["relationshipType"], ids[r["from"]]["name"]) for r in rels}
    assert ("trainedOn", "me/Llama-merge") in kinds and ("descendantOf", "org/mid") in kinds
    lineage = [r for r in rels if r["relationshipType"] == "descendantOf" and r["from"] == root]
    assert {r["comment"] for r in lineage} == {"merge"} and len(lineage) == 3
    declared = next(r for r in rels if r["relationshipType"] == "hasDeclaredLicense" and r["from"] == root)
    expression = ids[declared["to"][0]]
    assert expression["simplelicensing_licenseExpression"] == "LicenseRef-llama3.1 AND Apache-2.0"
    assert expression["simplelicensing_customIdToUri"][0]["key"] == "LicenseRef-llama3.1"
    files = {ids[t]["name"]: ids[t] for r in rels if r["relationshipType"] == "contains" for t in r["to"]}
    assert files["model.safetensors"]["verifiedUsing"] == [{"type": "Hash", "algorithm": "sha256",
                                                            "hashValue": "a" * 64}]


def test_unknown_licences_are_no_assertion_and_private_repos_are_unnamed(subject, secret):
    document = spdx_bom(subject)
    text = json.dumps(document)
    assert secret.split("/")[0] not in text and "internal-model" not in text
    unnamed = [e for e in by_type(document, "software_Package") if e["name"] == "private upstream model"]
    assert unnamed and unnamed[0]["software_downloadLocation"] == "NOASSERTION"
    external = next(e for e in by_type(document, "software_Package") if e["name"] == "elsewhere/data")
    rel = next(r for r in by_type(document, "Relationship")
               if r["from"] == external["spdxId"] and r["relationshipType"] == "hasDeclaredLicense")
    assert rel["to"] == ["expandedlicensing_NoAssertionLicense"]
