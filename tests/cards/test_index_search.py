"""The metadata index behind lists: full-text search, filters, sorting, facets and the languages summary."""

import json

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.errors import InvalidInput
from aicommons.index.indexer import reindex_heads
from aicommons.index.search import (SearchFilters, facet_counts, languages_summary, parse_hub_filters,
                                    search_repos)
from aicommons.index.tables import EvalClaim
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature

ME = Signature("alice", "alice@example.org")
CONFIG = json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}).encode()


def push(hub, user, repo_type, repo_id, card, files=None, private=False):
    repo = create_repo(hub, user.principal(hub), repo_type, repo_id, private=private)
    ops = [AddFile("README.md", card.encode())] + [AddFile(p, c) for p, c in (files or {}).items()]
    commit(hub, repo, ops, author=ME, message="add")
    return repo


@pytest.fixture
def catalogue(hub, alice):
    push(hub, alice, RepoType.MODEL, "alice/llama-tiny",
         "---\nlicense: mit\nlanguage: [en, fra]\npipeline_tag: text-generation\nlibrary_name: transformers\n"
         "tags: [chat]\n---\n# Llama tiny\nA small conversational model about alpacas.\n",
         {"config.json": CONFIG, "model.gguf": b"not really gguf", "pytorch_model.bin": b"x"})
    push(hub, alice, RepoType.MODEL, "alice/bert-small",
         "---\nlicense: apache-2.0\nlanguage: de\npipeline_tag: fill-mask\nmodel-index:\n- name: b\n  results:\n"
         "  - task: {type: fill-mask}\n    dataset: {type: glue, name: GLUE}\n    metrics: [{type: acc, value: 81.5}]\n"
         "---\nEncoder for German text.\n")
    push(hub, alice, RepoType.MODEL, "alice/hidden-alpaca", "---\nlicense: mit\nlanguage: sw\n---\nalpacas\n",
         private=True)
    push(hub, alice, RepoType.DATASET, "alice/swahili-news",
         "---\nlicense: [cc-by-4.0]\nlanguage: [sw]\ntask_categories: [text-classification]\n---\nNews.\n")


def ids(page):
    return [item.repo_id for item in page.items]


def test_full_text_over_cards_and_names(hub, alice, catalogue):
    assert ids(search_repos(hub, ANONYMOUS, "alpacas")) == ["alice/llama-tiny"]
    assert ids(search_repos(hub, ANONYMOUS, "conversation")) == ["alice/llama-tiny"]  # prefix of a word
    assert ids(search_repos(hub, ANONYMOUS, "bert")) == ["alice/bert-small"]
    assert ids(search_repos(hub, ANONYMOUS, "a-ti")) == ["alice/llama-tiny"]  # part of a name
    assert ids(search_repos(hub, ANONYMOUS, '"german OR*')) == []  # query syntax is not interpreted
    assert set(ids(search_repos(hub, alice.principal(hub), "alpacas"))) == {"alice/llama-tiny", "alice/hidden-alpaca"}
    assert ids(search_repos(hub, ANONYMOUS, "news", SearchFilters(repo_type="dataset"))) == ["alice/swahili-news"]


def test_filters_sorting_and_pages(hub, alice, catalogue):
    assert ids(search_repos(hub, ANONYMOUS, filters=SearchFilters(language="fr"))) == ["alice/llama-tiny"]
    assert ids(search_repos(hub, ANONYMOUS, filters=SearchFilters(language="fre"))) == ["alice/llama-tiny"]
    assert ids(search_repos(hub, ANONYMOUS, filters=SearchFilters(weight_format="gguf"))) == ["alice/llama-tiny"]
    assert ids(search_repos(hub, ANONYMOUS, filters=SearchFilters(pipeline_tag="fill-mask"))) == ["alice/bert-small"]
    assert ids(search_repos(hub, ANONYMOUS, filters=SearchFilters(architecture="LlamaForCausalLM"))) == [
        "alice/llama-tiny"]
    assert ids(search_repos(hub, ANONYMOUS, filters=SearchFilters(license="mit"))) == ["alice/llama-tiny"]
    page = search_repos(hub, ANONYMOUS, sort="name", limit=1, offset=1)
    assert page.total == 2 and ids(page) == ["alice/llama-tiny"]
    item = search_repos(hub, ANONYMOUS, "llama").items[0]
    assert (item.license, item.languages, item.weight_formats, item.architecture) == (
        "mit", ("en", "fr"), ("gguf", "pytorch"), "LlamaForCausalLM")
    with pytest.raises(InvalidInput):
        search_repos(hub, ANONYMOUS, sort="stars")
    hub_style = parse_hub_filters(["license:mit", "text-generation", "fr", "chat", "base_model:adapter:a/b"])
    assert (hub_style.license, hub_style.pipeline_tag, hub_style.language, hub_style.tag, hub_style.base_model) == (
        "mit", "text-generation", "fr", "chat", "a/b")


def test_facets_count_only_visible_repos(hub, alice, catalogue):
    facets = facet_counts(hub, ANONYMOUS)
    assert facets["license"] == [("apache-2.0", 1), ("mit", 1)]
    assert facets["pipeline_tag"] == [("fill-mask", 1), ("text-generation", 1)]
    assert facets["weight_format"] == [("gguf", 1), ("pytorch", 1)]
    assert dict(facet_counts(hub, alice.principal(hub))["license"])["mit"] == 2
    assert facet_counts(hub, ANONYMOUS, "alpacas", facets=("language",)) == {"language": [("en", 1), ("fr", 1)]}


def test_languages_summary(hub, alice, catalogue):
    public = {lang.code: lang for lang in languages_summary(hub, ANONYMOUS)}
    assert (public["sw"].models, public["sw"].datasets) == (0, 1)  # the private Swahili model is not counted
    assert (public["de"].models, public["en"].models) == (1, 1)
    assert public["yo"].total == 0 and public["yo"].under_served and public["yo"].name == "Yoruba"
    assert len(public) >= 180  # every ISO 639-1 language is listed, used or not
    assert {lang.code: lang for lang in languages_summary(hub, alice.principal(hub))}["sw"].models == 1


def test_eval_claims_are_indexed(hub, alice, catalogue):
    with hub.db.read() as session:
        claim = session.query(EvalClaim).one()
    assert (claim.dataset_type, claim.metric_type, claim.value) == ("glue", "acc", 81.5)


def test_rebuild_indexes_repos_committed_without_the_hook(hub, alice):
    hub.post_commit_hooks.clear()
    push(hub, alice, RepoType.MODEL, "alice/before", "---\nlicense: mit\n---\nolder than the index\n")
    assert search_repos(hub, ANONYMOUS, "older").total == 0
    assert reindex_heads(hub) == 1
    assert ids(search_repos(hub, ANONYMOUS, "older")) == ["alice/before"]
