"""The builder the hub uses: per-repo snapshots in, a full upstream graph out."""

import pytest

from aicommons.licenses import Card, ExternalNode, HiddenNode, Relation, RepoFile, RepoSubject, verdict
from aicommons.licenses.graph import GraphBuilder, ParentRef, RepoSnapshot, SubjectNotFound, parent_refs_from_card
from aicommons.licenses.results import Status


class DictLookup:
    """A hub index in a dict: (repo_type, repo_id) -> (card metadata, visible, files)."""

    def __init__(self, repos):
        self.repos = repos
        self.calls = 0

    def snapshot(self, repo_id, repo_type, revision):
        self.calls += 1
        if (repo_type, repo_id) not in self.repos:
            return None
        meta, visible, files = self.repos[(repo_type, repo_id)]
        subject = RepoSubject(repo_id, repo_type, revision or "1" * 40, Card.from_metadata(meta),
                              files=tuple(RepoFile(p, 1) for p in files))
        return RepoSnapshot(subject, visible=visible)


def test_builds_lineage_and_datasets_from_cards():
    lookup = DictLookup({
        ("model", "meta-llama/Llama-3.1-8B"): ({"license": "llama3.1"}, True, []),
        ("model", "org/mid"): ({"license": "apache-2.0", "base_model": "meta-llama/Llama-3.1-8B"}, True, []),
        ("model", "me/Llama-top"): ({"license": "llama3.1", "base_model": "org/mid",
                                     "base_model_relation": "quantized", "datasets": ["data/a", "data/gone"]},
                                    True, ["model.gguf"]),
        ("dataset", "data/a"): ({"license": "cc0-1.0"}, True, []),
    })
    subject = GraphBuilder(lookup).subject("me/Llama-top")
    edge = subject.parents[0]
    assert edge.relation is Relation.QUANTIZED and edge.evidence == "card base_model_relation"
    assert edge.parent.parents[0].relation is Relation.FINETUNE
    assert edge.parent.parents[0].parent.repo_id == "meta-llama/Llama-3.1-8B"
    assert subject.datasets[0].repo_id == "data/a"
    assert subject.datasets[1] == ExternalNode("data/gone", "dataset")
    assert verdict(subject, ["commercial"]).uses["commercial"].status is Status.NEEDS_REVIEW


def test_private_upstream_arrives_hidden_and_a_private_subject_is_not_found():
    lookup = DictLookup({
        ("model", "acme/private"): ({"license": "cc-by-nc-4.0"}, False, []),
        ("model", "me/model"): ({"license": "mit", "base_model": "acme/private"}, True, []),
    })
    builder = GraphBuilder(lookup)
    subject = builder.subject("me/model")
    assert isinstance(subject.parents[0].parent, HiddenNode)
    with pytest.raises(SubjectNotFound):
        builder.subject("acme/private")
    with pytest.raises(SubjectNotFound):
        builder.subject("nobody/nothing")


def test_cycles_stop_and_shared_ancestors_are_looked_up_once():
    lookup = DictLookup({
        ("model", "org/a"): ({"license": "mit", "base_model": "org/b"}, True, []),
        ("model", "org/b"): ({"license": "mit", "base_model": "org/a"}, True, []),
        ("model", "org/root"): ({"license": "mit"}, True, []),
        ("model", "org/x"): ({"license": "mit", "base_model": "org/root"}, True, []),
        ("model", "org/y"): ({"license": "mit", "base_model": "org/root"}, True, []),
        ("model", "me/merge"): ({"license": "mit", "base_model": ["org/x", "org/y"]}, True, []),
    })
    looped = GraphBuilder(lookup).subject("org/a")
    assert looped.parents[0].parent.parents == ()
    lookup.calls = 0
    merged = GraphBuilder(lookup).subject("me/merge")
    assert [e.relation for e in merged.parents] == [Relation.MERGE, Relation.MERGE]
    assert lookup.calls == 4  # me/merge, org/x, org/root (once), org/y


@pytest.mark.parametrize("meta, files, relation", [
    ({"base_model": "a/b", "base_model_relation": "adapter"}, [], Relation.ADAPTER),
    ({"base_model": "a/b"}, ["adapter_config.json"], Relation.ADAPTER),
    ({"base_model": ["a/b", "c/d"]}, [], Relation.MERGE),
    ({"base_model": "a/b"}, ["model-Q4_K_M.gguf"], Relation.QUANTIZED),
    ({"base_model": "a/b"}, ["model.safetensors"], Relation.FINETUNE),
    ({"base_model": "a/b", "base_model_relation": "bogus"}, [], Relation.FINETUNE),
])
def test_relation_is_read_or_inferred(meta, files, relation):
    refs = parent_refs_from_card(Card.from_metadata(meta), tuple(RepoFile(p, 1) for p in files))
    assert {r.relation for r in refs} == {relation}


def test_hub_may_supply_parents_from_its_lineage_index():
    class Lookup(DictLookup):
        def snapshot(self, repo_id, repo_type, revision):
            snap = super().snapshot(repo_id, repo_type, revision)
            if snap and repo_id == "me/adapter":
                return RepoSnapshot(snap.subject, parent_refs=(ParentRef("org/base", Relation.ADAPTER,
                                                                         "adapter_config.json"),))
            return snap

    lookup = Lookup({("model", "me/adapter"): ({"license": "apache-2.0"}, True, []),
                     ("model", "org/base"): ({"license": "gemma"}, True, [])})
    subject = GraphBuilder(lookup).subject("me/adapter")
    assert subject.parents[0].evidence == "adapter_config.json"
    assert subject.parents[0].parent.repo_id == "org/base"


def test_dependency_keys_name_every_repo_a_verdict_reads():
    from aicommons.licenses.graph import dependency_keys

    lookup = DictLookup({
        ("model", "acme/private"): ({"license": "mit", "base_model": "org/root"}, False, []),
        ("model", "org/root"): ({"license": "mit"}, True, []),
        ("model", "me/model"): ({"license": "mit", "base_model": ["acme/private", "gone/base"],
                                 "datasets": ["data/a"]}, True, []),
    })
    keys = dependency_keys(GraphBuilder(lookup).subject("me/model"))
    assert keys == {("model", "me/model"), ("model", "acme/private"), ("model", "org/root"),
                    ("model", "gone/base"), ("dataset", "data/a")}
