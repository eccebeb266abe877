import json

from aicommons.licenses import Card, ExternalNode, RepoFile, RepoSubject
from aicommons.openness import openness

CARD_TEXT = "# Model\n## Intended use\nx\n## Limitations\nx\n## Training data\nx\n## Evaluation\nx\n"


def subject(license, files, datasets=(), refs=(), **meta):
    meta = {"license": license, "library_name": "transformers", "tags": ["arxiv:2401.00001"],
            "model-index": [{"name": "m", "results": [{"dataset": {"type": "data/eval"},
                                                       "metrics": [{"type": "accuracy", "value": 0.5}]}]}], **meta}
    return RepoSubject("org/model", card=Card.from_metadata(meta, CARD_TEXT),
                       files=tuple(RepoFile(p, 1, "a" * 64) for p in files), datasets=tuple(datasets),
                       refs=tuple(refs), config={"architectures": ["TinyForCausalLM"]})


def dataset(repo_id, license, text="# Data card"):
    return RepoSubject(repo_id, "dataset", card=Card.from_metadata({"license": license}, text))


FULL = ["model.safetensors", "config.json", "modeling_tiny.py", "train.py", "evaluate.py", "preprocess.py"]


def test_open_science_class_when_every_component_is_open():
    data = [dataset("data/train", "cc-by-4.0"), dataset("data/eval", "cdla-permissive-2.0")]
    report = openness(subject("apache-2.0", FULL + ["checkpoint-500/model.safetensors"], data))
    assert report.mof_class == "I" and report.mof_class_name == "Open Science"
    assert report.missing == {"III": [], "II": [], "I": []}
    assert report.osaid_status == "may-conform"
    assert all(report.card_sections.values())


def test_missing_components_are_listed_per_class():
    report = openness(subject("apache-2.0", ["model.safetensors", "config.json"], [dataset("data/train", "cc0-1.0")]))
    assert report.mof_class == "III"
    assert {"training-code", "evaluation-code"} <= set(report.missing["II"])
    assert "intermediate-parameters" in report.missing["I"]
    assert report.osaid_status == "does-not-conform"
    assert any("training code" in r for r in report.osaid_reasons)


def test_restrictive_weights_licence_gives_no_class():
    report = openness(subject("llama3.1", FULL, [dataset("data/train", "cc-by-4.0")]))
    assert report.mof_class is None
    params = next(c for c in report.components if c.id == "model-parameters")
    assert params.license_status == "not-open" and "model-parameters" in report.missing["III"]
    assert report.osaid_status == "does-not-conform"


def test_unknown_licence_is_never_open():
    report = openness(subject("other", FULL, [dataset("data/train", "cc-by-4.0")]))
    assert report.mof_class is None
    assert report.osaid_status == "unknown"


def test_data_off_the_hub_leaves_data_card_unknown():
    report = openness(subject("mit", FULL, [ExternalNode("elsewhere/data", "dataset")]))
    data_card = next(c for c in report.components if c.id == "data-card")
    assert data_card.presence == "unknown" and not data_card.met
    assert report.mof_class is None


def test_intermediate_checkpoints_from_branches():
    report = openness(subject("mit", FULL, refs=["refs/heads/step-1000", "refs/heads/main"]))
    inter = next(c for c in report.components if c.id == "intermediate-parameters")
    assert inter.presence == "present" and inter.evidence == ["ref refs/heads/step-1000"]


def test_code_under_a_data_licence_passes_with_a_warning():
    report = openness(subject("cc-by-4.0", FULL, [dataset("data/train", "cc-by-4.0")]))
    code = next(c for c in report.components if c.id == "training-code")
    assert code.license_status == "open-wrong-kind" and code.met


def test_report_is_json_ready():
    data = json.loads(json.dumps(openness(subject("mit", FULL)).to_dict()))
    assert data["mof"]["components"][0]["id"] == "model-architecture"
    assert data["osaid"]["status"] in ("does-not-conform", "may-conform", "unknown")
