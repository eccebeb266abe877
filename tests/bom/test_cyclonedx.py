"""CycloneDX 1.6 ML-BOM, validated against the 1.6 JSON schema cyclonedx-python-lib ships."""

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from aicommons.bom import cyclonedx_bom


def validate(document):
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))


def test_bom_validates_against_the_official_schema(subject):
    assert validate(cyclonedx_bom(subject, hub_url="https://hub.example")) is None


def test_the_validator_rejects_a_broken_bom(subject):
    document = cyclonedx_bom(subject)
    document["metadata"]["component"]["modelCard"]["modelParameters"]["approach"] = {"type": "guesswork"}
    assert validate(document) is not None


def test_model_card_datasets_lineage_hashes_and_licences(subject):
    document = cyclonedx_bom(subject, hub_url="https://hub.example")
    model = document["metadata"]["component"]
    assert model["type"] == "machine-learning-model" and model["version"] == "1" * 40
    assert model["licenses"] == [{"expression": "LicenseRef-llama3.1 AND Apache-2.0"}]
    params = model["modelCard"]["modelParameters"]
    assert params["task"] == "text-generation" and params["modelArchitecture"] == "LlamaForCausalLM"
    data_refs = {c["bom-ref"] for c in document["components"]}
    assert {d["ref"] for d in params["datasets"]} == data_refs
    assert model["modelCard"]["quantitativeAnalysis"]["performanceMetrics"] == [
        {"type": "perplexity", "value": "12.5", "slice": "wikitext"}]
    files = {f["name"]: f["hashes"] for f in model["components"]}
    assert files["model.safetensors"] == [{"alg": "SHA-256", "content": "a" * 64}]
    datasets = {c["name"]: c for c in document["components"]}
    assert all(c["type"] == "data" and c["data"][0]["type"] == "dataset" for c in datasets.values())
    assert datasets["data/corpus"]["licenses"] == [{"license": {"id": "CC-BY-4.0"}}]
    assert datasets["data/custom"]["licenses"] == [{"license": {"name": "acme-data"}}]
    assert "licenses" not in datasets["elsewhere/data"]
    ancestors = {a["name"]: a for a in model["pedigree"]["ancestors"]}
    assert set(ancestors) == {"org/mid", "private upstream model", "elsewhere/base"}
    grand = ancestors["org/mid"]["pedigree"]["ancestors"][0]
    assert grand["name"] == "meta-llama/Llama-3.1-8B"
    assert grand["licenses"][0]["license"]["name"] == "Llama 3.1 Community License Agreement"
    assert {"name": "aicommons:relation", "value": "merge"} in ancestors["org/mid"]["properties"]


def test_private_ancestors_are_not_named(subject, secret):
    text = json.dumps(cyclonedx_bom(subject))
    assert secret.split("/")[0] not in text and "internal-model" not in text


def test_same_revision_gives_the_same_bom(subject):
    assert cyclonedx_bom(subject) == cyclonedx_bom(subject)
