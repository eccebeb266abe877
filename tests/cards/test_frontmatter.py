"""Card metadata read and checked as the Hub does: errors by field, warnings for unknown vocabulary."""

import pytest

from aicommons.cards.frontmatter import CardSyntaxError, parse_front_matter, split_front_matter, validate_card
from aicommons.cards.metadata import read_metadata
from aicommons.cards.vocabulary import language

GOOD_MODEL = """---
license: other
license_name: tiny-licence
license_link: LICENSE
language: [en, fra, pt-BR, no]
library_name: transformers
pipeline_tag: text-generation
tags: [tiny, demo]
base_model: org/base
base_model_relation: finetune
datasets: org/data
new_version: org/tiny-v2
model-index:
- name: tiny
  results:
  - task: {type: text-generation, name: Text generation}
    dataset: {type: wikitext, name: WikiText-2, split: test}
    metrics:
    - {type: perplexity, value: 12.5, name: Perplexity}
    - {type: accuracy, value: "71.2%", verified: true}
    source: {name: self, url: "https://example.org"}
released: 2024-05-01
---
# Tiny
"""


def fields(problems):
    return [p["field"] for p in problems]


def test_a_good_model_card_is_read_into_normal_form():
    report = validate_card(GOOD_MODEL, "model")
    assert report.errors == [] and report.warnings == []
    meta, _ = read_metadata(parse_front_matter(GOOD_MODEL), "model")
    assert meta.licenses == ["other"] and meta.license == "other" and meta.license_name == "tiny-licence"
    assert meta.base_models == ["org/base"] and meta.datasets == ["org/data"] and meta.new_version == "org/tiny-v2"
    assert meta.languages == ["en", "fra", "pt-BR", "no"]  # YAML 1.2: `no` is Norwegian, not false
    assert [(r.metric_type, r.metric_value, r.verified) for r in meta.eval_results] == [
        ("perplexity", 12.5, False), ("accuracy", "71.2%", True)]
    assert meta.eval_results[0].dataset_split == "test" and meta.eval_results[0].model_name == "tiny"
    assert parse_front_matter(GOOD_MODEL)["released"] == "2024-05-01"  # dates stay text


def test_wrongly_typed_fields_are_errors_listed_by_field():
    card = """---
license: [mit, apache-2.0]
language: [en, 3]
base_model: ["org/a", "not a repo id!"]
base_model_relation: fork
tags: {a: 1}
pipeline_tag: 7
model-index:
- name: m
  results:
  - task: {name: no type}
    dataset: {type: d, name: D}
    metrics: [{type: acc}]
viewer: maybe
---
"""
    report = validate_card(card, "model")
    assert fields(report.errors) == [
        "license", "base_model[1]", "base_model_relation", "language[1]", "pipeline_tag", "tags",
        "model-index[0].results[0].task.type", "model-index[0].results[0].metrics[0].value", "viewer"]
    assert report.errors[0]["message"] == "must be a string, not a list"


def test_unknown_vocabulary_is_a_warning():
    report = validate_card("---\nlicense: my-own\nlanguage: [en, xx]\npipeline_tag: dancing\n"
                           "license_name: x\n---\n", "model")
    assert report.errors == []
    assert fields(report.warnings) == ["license", "language[1]", "pipeline_tag"]
    assert "not a licence id the Hub knows" in report.warnings[0]["message"]


def test_other_licence_wants_a_name_and_merge_wants_bases():
    report = validate_card("---\nlicense: other\nbase_model: a/b\nbase_model_relation: merge\n---\n", "model")
    assert fields(report.warnings) == ["base_model_relation", "license_name"]


def test_dataset_cards():
    card = """---
pretty_name: Tiny
license: [cc-by-4.0, mit]
language: de
task_categories: [text-classification]
size_categories: [n<1K]
configs:
- config_name: default
  data_files: data/*.csv
- data_files: other/*.csv
---
"""
    report = validate_card(card, "dataset")
    assert fields(report.errors) == ["configs[1].config_name"]
    meta, _ = read_metadata(parse_front_matter(card), "dataset")
    assert meta.licenses == ["cc-by-4.0", "mit"] and meta.configs == ["default"] and meta.pretty_name == "Tiny"


@pytest.mark.parametrize("text, where", [("---\na: [\n---\n", "at line 2"), ("---\na: 1\na: 2\n---\n", "duplicate key"),
                                         ("---\n- a list\n---\n", "must be a mapping")])
def test_invalid_yaml(text, where):
    report = validate_card(text, "model")
    assert fields(report.errors) == ["yaml"] and where in report.errors[0]["message"]
    with pytest.raises(CardSyntaxError):
        parse_front_matter(text)


def test_cards_without_front_matter_are_valid():
    assert validate_card("# Just text\n", "model").errors == []
    assert split_front_matter("# Just text\n") == (None, "# Just text\n")


def test_language_codes():
    assert language("fr").code == language("fra").code == language("fre").code == "fr"
    assert language("zh_Hans").name == "Chinese" and language("sgn").iso639_3 == "sgn"
    assert language("multilingual").code == "multilingual"
    assert language("xx") is None and language("english") is None
