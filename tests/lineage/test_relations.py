"""Every relation, declared and inferred, from real pushed repos."""

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.lineage import lineage_parents
from aicommons.lineage.graph import lineage_graph
from tests.lineage.lineage_models import (card, finetune, gguf_file, gpt2_files, lora_adapter, merge, push,
                            with_quantization_config)


@pytest.fixture
def base(hub, alice):
    return push(hub, alice, "alice/base", {**gpt2_files(), "README.md": card(license="mit")})


def edge_to(hub, repo, target):
    graph = lineage_graph(hub, ANONYMOUS, repo)
    return next(e for e in graph.edges if e.source == repo.repo_id and e.target == target)


@pytest.mark.parametrize("relation", ["adapter", "merge", "quantized", "finetune"])
def test_declared_relation_wins_over_inference(hub, alice, base, relation):
    # files suggest an adapter, but the card's declaration is what counts
    files = {**lora_adapter("alice/base", gpt2_files()),
             "README.md": card(base_model="alice/base", base_model_relation=relation)}
    repo = push(hub, alice, f"alice/declared-{relation}", files)
    edge = edge_to(hub, repo, "alice/base")
    assert edge.relation == relation
    assert edge.evidence == {"kind": "declared", "from": "card base_model_relation", "base_from": "card base_model"}


def test_adapter_config_infers_adapter(hub, alice, base):
    repo = push(hub, alice, "alice/lora", {**lora_adapter("alice/base", gpt2_files()),
                                           "README.md": card(base_model="alice/base")})
    edge = edge_to(hub, repo, "alice/base")
    assert (edge.relation, edge.evidence["kind"], edge.evidence["from"]) == ("adapter", "inferred",
                                                                              "adapter_config.json")


def test_adapter_config_names_the_base_when_the_card_does_not(hub, alice, base):
    repo = push(hub, alice, "alice/lora-nocard", lora_adapter("alice/base", gpt2_files()))
    edge = edge_to(hub, repo, "alice/base")
    assert edge.relation == "adapter"
    assert edge.evidence["base_from"] == "adapter_config.json base_model_name_or_path"


def test_quantization_config_infers_quantized(hub, alice, base):
    repo = push(hub, alice, "alice/int8", {**with_quantization_config(gpt2_files()),
                                           "README.md": card(base_model="alice/base")})
    edge = edge_to(hub, repo, "alice/base")
    assert (edge.relation, edge.evidence["from"]) == ("quantized", "config.json quantization_config")


def test_gguf_infers_quantized_and_its_header_is_indexed(hub, alice, base):
    repo = push(hub, alice, "alice/gguf", {"model-Q4_K_M.gguf": gguf_file(file_type=15),
                                           "README.md": card(base_model="alice/base")})
    edge = edge_to(hub, repo, "alice/base")
    assert edge.relation == "quantized" and edge.evidence["from"] == "model-Q4_K_M.gguf (GGUF)"
    from aicommons.index import card_metadata
    from aicommons.index.indexer import ensure_indexed
    from aicommons.repos.reading import snapshot

    facts = ensure_indexed(hub, repo, snapshot(hub, repo, None).commit_oid).facts
    header = facts["gguf"][0]
    assert header["architecture"] == "gpt2" and header["file_type"] == "Q4_K_M"
    assert header["tensor_types"] == {"Q4_K": 1, "F32": 1} and header["metadata"]["tokenizer.ggml.tokens"] == {
        "array_of": 3}
    assert facts["weight_formats"] == ["gguf"]
    assert card_metadata(hub, repo, snapshot(hub, repo, None).commit_oid)["base_models"] == ["alice/base"]


def test_gguf_header_names_the_base_when_the_card_does_not(hub, alice, base):
    repo = push(hub, alice, "alice/gguf-bare", {"m.gguf": gguf_file(base_repo_url="https://huggingface.co/alice/base")})
    edge = edge_to(hub, repo, "alice/base")
    assert edge.relation == "quantized" and edge.evidence["base_from"] == "GGUF general.base_model"


def test_an_unquantized_gguf_is_a_finetune(hub, alice, base):
    repo = push(hub, alice, "alice/gguf-f32", {"m.gguf": gguf_file(file_type=0, tensor_type=0),
                                               "README.md": card(base_model="alice/base")})
    assert edge_to(hub, repo, "alice/base").relation == "finetune"


def test_several_bases_infer_a_merge(hub, alice, base):
    other = push(hub, alice, "alice/other", gpt2_files(seed=1))
    files = {**merge(gpt2_files(), gpt2_files(seed=1)), "README.md": card(base_model=["alice/base", "alice/other"])}
    repo = push(hub, alice, "alice/merged", files)
    graph = lineage_graph(hub, ANONYMOUS, repo)
    edges = {e.target: e for e in graph.edges}
    assert set(edges) == {"alice/base", other.repo_id}
    assert all(e.relation == "merge" and e.evidence["from"] == "card names 2 base models" for e in edges.values())
    assert graph.counts()["ancestors"] == {"merge": 2}


def test_one_base_without_hints_is_a_finetune(hub, alice, base):
    repo = push(hub, alice, "alice/ft", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")})
    edge = edge_to(hub, repo, "alice/base")
    assert (edge.relation, edge.evidence["kind"]) == ("finetune", "inferred")


def test_external_bases_are_external_nodes(hub, alice):
    repo = push(hub, alice, "alice/ext", {**gpt2_files(), "README.md": card(base_model=["openai/gpt2-xl", "gpt2"])})
    graph = lineage_graph(hub, ANONYMOUS, repo)
    external = {n.id: n for n in graph.nodes if n.kind == "external"}
    assert set(external) == {"openai/gpt2-xl", "gpt2"} and all(n.commit_oid is None for n in external.values())
    assert all(e.verification is None and e.built_from is None for e in graph.edges)
    parents = lineage_parents(hub, repo, graph.commit_oid)
    assert {(p["base"], p["repo_id"]) for p in parents} == {("openai/gpt2-xl", None), ("gpt2", None)}


def test_descendants_and_counts_per_relation(hub, alice, base):
    push(hub, alice, "alice/ft1", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")})
    push(hub, alice, "alice/ft2", {**finetune(gpt2_files(), ("transformer.wte.weight",)),
                                   "README.md": card(base_model="alice/base")})
    push(hub, alice, "alice/q", {"m.gguf": gguf_file(), "README.md": card(base_model="alice/ft1")})
    push(hub, alice, "alice/a", {**lora_adapter("alice/base", gpt2_files()), "README.md": card(base_model="alice/base")})
    graph = lineage_graph(hub, ANONYMOUS, base)
    depths = {n.id: n.depth for n in graph.nodes}
    assert depths == {"alice/base": 0, "alice/ft1": 1, "alice/ft2": 1, "alice/a": 1, "alice/q": 2}
    assert graph.counts()["children"] == {"finetune": 2, "adapter": 1}
    assert graph.counts()["descendants"] == {"finetune": 2, "adapter": 1, "quantized": 1}
    leaf = lineage_graph(hub, ANONYMOUS, push(hub, alice, "alice/q", {"x.txt": b"x"}))
    assert [(n.id, n.depth) for n in leaf.nodes if n.depth < 0] == [("alice/ft1", -1), ("alice/base", -2)]


def test_lineage_at_an_older_revision(hub, alice, base):
    repo = push(hub, alice, "alice/moving", {**gpt2_files(), "README.md": card(base_model="alice/base")})
    old = lineage_graph(hub, ANONYMOUS, repo).commit_oid
    push(hub, alice, "alice/moving", {"README.md": card(base_model="someone/else")})
    assert {e.target for e in lineage_graph(hub, ANONYMOUS, repo).edges} == {"someone/else"}
    assert {e.target for e in lineage_graph(hub, ANONYMOUS, repo, old).edges} == {"alice/base"}
