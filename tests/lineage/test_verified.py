"""Verified lineage from tensor names, shapes and per-tensor hashes; duplicates; out-of-date notices."""

import pytest
from safetensors.torch import load, save

from aicommons.accounts.principal import ANONYMOUS
from aicommons.lineage.graph import lineage_graph
from tests.lineage.lineage_models import card, finetune, gpt2_files, lora_adapter, merge, push


@pytest.fixture
def base(hub, alice):
    return push(hub, alice, "alice/base", {**gpt2_files(), "README.md": card()})


def root_edges(hub, repo, principal=ANONYMOUS):
    graph = lineage_graph(hub, principal, repo)
    return {e.target: e for e in graph.edges if e.source == repo.repo_id}, graph


def test_finetune_is_verified_with_changed_and_unchanged_tensors(hub, alice, base):
    repo = push(hub, alice, "alice/ft", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")})
    edge = root_edges(hub, repo)[0]["alice/base"]
    total = len(load(gpt2_files()["model.safetensors"]))
    assert edge.verification == "verified"
    assert edge.verification_detail == {"base_tensors": total, "derivative_tensors": total, "shared_names": total,
                                        "same_shape": total, "unchanged": total - 1, "changed": 1}


def test_a_claimed_base_that_shares_nothing_is_flagged(hub, alice, base):
    renamed = {f"encoder.{k}": v for k, v in load(gpt2_files(seed=3)["model.safetensors"]).items()}
    repo = push(hub, alice, "alice/liar", {"model.safetensors": save(renamed), "README.md": card(base_model="alice/base")})
    edge = root_edges(hub, repo)[0]["alice/base"]
    assert edge.verification == "mismatch" and edge.verification_detail["shared_names"] == 0


def test_a_different_architecture_is_only_partial(hub, alice, base):
    wider = gpt2_files(seed=4, n_embd=16)  # same names, other shapes
    repo = push(hub, alice, "alice/wider", {**wider, "README.md": card(base_model="alice/base")})
    edge = root_edges(hub, repo)[0]["alice/base"]
    assert edge.verification == "partial" and edge.verification_detail["same_shape"] < edge.verification_detail[
        "base_tensors"] / 2


def test_adapter_verified_against_its_base_and_not_against_another(hub, alice, base):
    repo = push(hub, alice, "alice/lora", {**lora_adapter("alice/base", gpt2_files()),
                                           "README.md": card(base_model="alice/base")})
    edge = root_edges(hub, repo)[0]["alice/base"]
    assert edge.verification == "verified"
    assert edge.verification_detail == {"adapted_modules": 1, "found_in_base": 1, "sizes_match": 1}
    wide = push(hub, alice, "alice/wide", gpt2_files(seed=5, n_embd=16))
    wrong = push(hub, alice, "alice/lora-wrong", {**lora_adapter("alice/wide", gpt2_files()),
                                                  "README.md": card(base_model=wide.repo_id)})
    assert root_edges(hub, wrong)[0][wide.repo_id].verification == "partial"
    other = {"lin.weight": load(gpt2_files()["model.safetensors"])["transformer.wte.weight"]}
    unrelated = push(hub, alice, "alice/unrelated", {"model.safetensors": save(other)})
    stray = push(hub, alice, "alice/lora-stray", {**lora_adapter(None, gpt2_files()),
                                                  "README.md": card(base_model=unrelated.repo_id)})
    assert root_edges(hub, stray)[0][unrelated.repo_id].verification == "mismatch"


def test_merge_is_verified_against_each_base(hub, alice, base):
    push(hub, alice, "alice/other", gpt2_files(seed=1))
    repo = push(hub, alice, "alice/merged", {**merge(gpt2_files(), gpt2_files(seed=1)),
                                             "README.md": card(base_model=["alice/base", "alice/other"])})
    edges = root_edges(hub, repo)[0]
    assert {t: e.verification for t, e in edges.items()} == {"alice/base": "verified", "alice/other": "verified"}
    assert edges["alice/base"].verification_detail["changed"] > 0


def test_declared_copy_is_identical_not_a_duplicate(hub, alice, base):
    repo = push(hub, alice, "alice/mirror", {**gpt2_files(), "README.md": card(base_model="alice/base")})
    edges, graph = root_edges(hub, repo)
    assert edges["alice/base"].verification == "identical" and graph.duplicates == []


def test_undeclared_reupload_is_a_duplicate(hub, alice, bob, base):
    # re-serialised with other metadata: different file bytes, identical tensors
    copy = finetune(gpt2_files(), changed=(), metadata={"format": "pt", "note": "totally original"})
    assert copy["model.safetensors"] != gpt2_files()["model.safetensors"]
    reupload = push(hub, bob, "bob/my-model", {**copy, "README.md": card(license="mit")})
    _, graph = root_edges(hub, reupload)
    assert graph.duplicates == [{"repo_id": "alice/base", "is_original": True, "message": graph.duplicates[0]["message"]}]
    assert "undeclared re-upload" in graph.duplicates[0]["message"]
    _, original = root_edges(hub, base)
    assert [(d["repo_id"], d["is_original"]) for d in original.duplicates] == [("bob/my-model", False)]


def test_a_base_pushed_after_its_derivative_is_verified_then(hub, alice):
    repo = push(hub, alice, "alice/early", {**finetune(gpt2_files()), "README.md": card(base_model="alice/late")})
    assert root_edges(hub, repo)[0]["alice/late"].verification is None  # external for now
    push(hub, alice, "alice/late", gpt2_files())
    edge = root_edges(hub, repo)[0]["alice/late"]
    assert edge.verification == "verified" and edge.built_from is not None and not edge.out_of_date


def test_base_update_makes_derivatives_out_of_date(hub, alice, base):
    repo = push(hub, alice, "alice/ft", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")})
    built_from = root_edges(hub, repo)[0]["alice/base"].built_from
    push(hub, alice, "alice/base", {"README.md": card(body="Better docs.")}, message="Docs")
    # a card edit of the derivative is no rebuild: it still was built from the old base commit
    push(hub, alice, "alice/ft", {"README.md": card(body="typo", base_model="alice/base")}, message="Docs")
    push(hub, alice, "alice/base", finetune(gpt2_files(), ("transformer.wpe.weight",)), message="Retrain")
    edges, graph = root_edges(hub, repo)
    edge = edges["alice/base"]
    assert edge.built_from == built_from and edge.out_of_date
    notice = next(n for n in graph.notices if n["kind"] == "base_updated")
    assert notice["commits_since"] == 2 and notice["weights_changed"] is True and notice["built_from"] == built_from
    # seen from the base, the derivative's edge is out of date too
    assert lineage_graph(hub, ANONYMOUS, base).edges[0].out_of_date
    # retraining the derivative on the new base brings it up to date
    push(hub, alice, "alice/ft", finetune(finetune(gpt2_files(), ("transformer.wpe.weight",))), message="Rebuild")
    edges, graph = root_edges(hub, repo)
    assert not edges["alice/base"].out_of_date and not [n for n in graph.notices if n["kind"] == "base_updated"]


def test_new_version_notices(hub, alice, base):
    repo = push(hub, alice, "alice/ft", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")})
    push(hub, alice, "alice/base", {"README.md": card(new_version="alice/base-v2")}, message="Point to v2")
    push(hub, alice, "alice/ft", {"README.md": card(base_model="alice/base", new_version="alice/ft-v2")},
         message="Point to v2")
    kinds = {n["kind"]: n for n in root_edges(hub, repo)[1].notices}
    assert kinds["base_superseded"]["successor"] == "alice/base-v2"
    assert kinds["superseded"]["successor"] == "alice/ft-v2"
    assert kinds["base_updated"]["weights_changed"] is False


def test_tensor_hashes_are_the_sha256_of_each_tensor(hub, alice, base):
    import hashlib

    from aicommons.index.facts import file_tensors
    from aicommons.repos.reading import snapshot

    data = gpt2_files()["model.safetensors"]
    tensors = {t.name: t for t in file_tensors(hub, [snapshot(hub, base, None).files["model.safetensors"].sha256])}
    for name, tensor in load(data).items():
        assert tensors[name].content_sha256 == hashlib.sha256(tensor.numpy().tobytes()).hexdigest()
        assert list(tensors[name].shape) == list(tensor.shape)


def test_unreadable_safetensors_are_recorded_not_fatal(hub, alice, base):
    repo = push(hub, alice, "alice/broken", {"model.safetensors": b"\x0a\x00\x00\x00\x00\x00\x00\x00{not json}",
                                             "README.md": card(base_model="alice/base")})
    edge = root_edges(hub, repo)[0]["alice/base"]
    assert edge.verification == "unverified"
    from aicommons.index.indexer import ensure_indexed
    from aicommons.repos.reading import snapshot

    facts = ensure_indexed(hub, repo, snapshot(hub, repo, None).commit_oid).facts
    assert "header is not JSON" in facts["safetensors_errors"]["model.safetensors"]


def test_large_uploads_are_indexed_by_a_job(hub, alice, base, monkeypatch):
    from sqlalchemy import func, select

    from aicommons.index import INDEX_JOB, indexer
    from aicommons.jobs.tables import Job

    monkeypatch.setattr(indexer, "INLINE_SCAN_BYTES", 10)
    repo = push(hub, alice, "alice/big", {**finetune(gpt2_files()), "README.md": card(base_model="alice/base")})
    from aicommons.index.search import search_repos
    from aicommons.repos.reading import snapshot

    newest = snapshot(hub, repo, None).commit_oid
    assert search_repos(hub, ANONYMOUS, "big").items[0].commit_oid != newest  # still the previous head
    hub.jobs.drain()  # the index job, and the licence summaries other features queue after commits
    with hub.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == INDEX_JOB)) == 1
    assert search_repos(hub, ANONYMOUS, "big").items[0].commit_oid == newest
    assert root_edges(hub, repo)[0]["alice/base"].verification == "verified"
