"""Repo info, lists, trees, paths-info, refs, commits and whoami: cases 16-20 and 29 of the reference."""

from __future__ import annotations

import hashlib
from urllib.parse import urlparse

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RemoteEntryNotFoundError

from aicommons.api.hf import browse, info
from aicommons.repos.objects import git_blob_id

CARD = """---
license: apache-2.0
library_name: transformers
pipeline_tag: text-generation
language: [en, fr]
tags: [tiny, demo]
datasets: [alice/table]
---
# Tiny
"""
WEIGHTS = b"\0" * 5000


@pytest.fixture
def tiny(hf):
    hf.upload("alice/tiny", {"README.md": CARD.encode(), "config.json": b"{}", "model.safetensors": WEIGHTS,
                             "a/b/c.txt": b"c", "a/d.txt": b"d", "a/b/e f.txt": b"e"})
    return hf


def test_model_info_with_blobs(tiny):  # case 16
    model = tiny.api.model_info("alice/tiny", files_metadata=True)
    assert model.sha == tiny.head("alice/tiny")
    assert model.private is False and model.gated is False and model.downloads == 0 and model.likes == 0
    assert model.library_name == "transformers" and model.pipeline_tag == "text-generation"
    assert model.card_data.license == "apache-2.0" and model.card_data.language == ["en", "fr"]
    assert {"tiny", "demo", "transformers", "text-generation", "safetensors", "en", "license:apache-2.0",
            "dataset:alice/table"} <= set(model.tags)
    assert model.created_at is not None and model.last_modified is not None
    siblings = {s.rfilename: s for s in model.siblings}
    assert siblings["config.json"].size == 2 and siblings["config.json"].blob_id == git_blob_id(b"{}")
    assert siblings["config.json"].lfs is None
    lfs = siblings["model.safetensors"].lfs
    assert (lfs.size, lfs.sha256) == (len(WEIGHTS), hashlib.sha256(WEIGHTS).hexdigest()) and lfs.pointer_size > 100
    plain = tiny.api.model_info("alice/tiny")
    assert {s.rfilename for s in plain.siblings} == set(siblings) and plain.siblings[0].size is None


def test_tree_listing(tiny, monkeypatch):  # case 17
    top = {e.path: type(e).__name__ for e in tiny.api.list_repo_tree("alice/tiny")}
    assert top == {".gitattributes": "RepoFile", "README.md": "RepoFile", "a": "RepoFolder", "config.json": "RepoFile",
                   "model.safetensors": "RepoFile"}
    sub = [e.path for e in tiny.api.list_repo_tree("alice/tiny", path_in_repo="a/b")]  # sent as a%2Fb
    assert sub == ["a/b/c.txt", "a/b/e f.txt"]
    everything = list(tiny.api.list_repo_tree("alice/tiny", recursive=True))
    folders = [e for e in everything if type(e).__name__ == "RepoFolder"]
    assert [f.path for f in folders] == ["a", "a/b"] and all(len(f.tree_id) == 40 for f in folders)
    with tiny.http() as http:
        raw = http.get("/api/models/alice/tiny/tree/main/a%2Fb").json()
        assert [e["path"] for e in raw] == ["a/b/c.txt", "a/b/e f.txt"]
        assert all(e["oid"] for e in raw)
    with pytest.raises(RemoteEntryNotFoundError):
        list(tiny.api.list_repo_tree("alice/tiny", path_in_repo="missing"))

    monkeypatch.setattr(browse, "TREE_PAGE", 2)  # pages of 2: the client follows absolute Link headers
    assert [e.path for e in tiny.api.list_repo_tree("alice/tiny", recursive=True)] == [e.path for e in everything]
    with tiny.http() as http:
        first = http.get("/api/models/alice/tiny/tree/main/a?recursive=true")
    link = first.headers["link"]
    next_url = link[1:link.index(">")]
    assert urlparse(next_url).scheme == "http" and tiny.head("alice/tiny") in next_url and 'rel="next"' in link


def test_tree_expand_gives_last_commits(tiny):
    first = tiny.head("alice/tiny")
    tiny.upload("alice/tiny", {"a/d.txt": b"changed"}, message="change d")
    entries = {e.path: e for e in tiny.api.list_repo_tree("alice/tiny", path_in_repo="a", expand=True)}
    assert entries["a/d.txt"].last_commit.title == "change d"
    assert entries["a/b"].last_commit.oid == first
    infos = tiny.api.get_paths_info("alice/tiny", ["a/b/c.txt"], expand=True)
    assert infos[0].last_commit.oid == first


def test_paths_info(tiny):  # case 18
    infos = tiny.api.get_paths_info("alice/tiny", ["config.json", "a/b", "missing.txt", "model.safetensors"])
    assert [(type(i).__name__, i.path) for i in infos] == [
        ("RepoFile", "config.json"), ("RepoFolder", "a/b"), ("RepoFile", "model.safetensors")]
    assert infos[2].lfs.sha256 == hashlib.sha256(WEIGHTS).hexdigest()


def test_list_models(hf, monkeypatch):  # case 19
    card = "---\ntags: [{tag}]\npipeline_tag: {task}\n---\n"
    hf.upload("alice/alpha", {"README.md": card.format(tag="red", task="text-generation").encode()})
    hf.upload("alice/beta", {"README.md": card.format(tag="blue", task="fill-mask").encode()})
    hf.upload("alice/gamma", {"README.md": card.format(tag="red", task="fill-mask").encode()})
    hf.upload("alice/data", {"x.csv": b"a\n1\n"}, repo_type="dataset")
    ids = lambda models: [m.id for m in models]  # noqa: E731
    assert ids(hf.api.list_models(sort="createdAt")) == ["alice/gamma", "alice/beta", "alice/alpha"]
    assert ids(hf.api.list_models(search="ET")) == ["alice/beta"]
    assert ids(hf.api.list_models(author="bob")) == []
    assert sorted(ids(hf.api.list_models(filter="red"))) == ["alice/alpha", "alice/gamma"]
    assert ids(hf.api.list_models(filter=["red", "fill-mask"])) == ["alice/gamma"]
    assert ids(hf.api.list_models(pipeline_tag="text-generation")) == ["alice/alpha"]
    assert ids(hf.api.list_models(sort="createdAt", limit=2)) == ["alice/gamma", "alice/beta"]
    assert ids(hf.api.list_datasets()) == ["alice/data"]
    assert "format:csv" in next(iter(hf.api.list_datasets())).tags
    with hf.http() as http:
        answer = http.get("/api/models?sort=createdAt&limit=2")
    assert [m["id"] for m in answer.json()] == ["alice/gamma", "alice/beta"]
    assert answer.headers["link"].startswith(f"<{hf.endpoint}/api/models?")
    monkeypatch.setattr(info, "MAX_PAGE", 1)  # pages of one, followed through Link
    assert ids(hf.api.list_models(sort="createdAt")) == ["alice/gamma", "alice/beta", "alice/alpha"]
    assert ids(hf.api.list_models(filter="red", sort="createdAt")) == ["alice/gamma", "alice/alpha"]


def test_list_models_full_and_card_data(hf):
    hf.upload("alice/alpha", {"README.md": b"---\nlicense: mit\n---\n", "config.json": b"{}"})
    model = next(iter(hf.api.list_models(full=True, cardData=True)))
    assert {s.rfilename for s in model.siblings} == {".gitattributes", "README.md", "config.json"}
    assert model.card_data.license == "mit"
    assert next(iter(hf.api.list_models())).card_data is None


def test_whoami(hf, server, alice):  # case 20
    me = hf.api.whoami()
    assert me["name"] == "alice" and me["type"] == "user"
    assert me["auth"]["accessToken"]["role"] == "write"
    assert HfApi(endpoint=server.url, token=alice.read_token).whoami()["auth"]["accessToken"]["role"] == "read"
    with pytest.raises(HfHubHTTPError) as error:
        HfApi(endpoint=server.url, token="aic_not-a-token").whoami()
    assert error.value.response.status_code == 401


def test_refs_branches_and_tags(tiny):  # case 29
    tiny.api.create_branch("alice/tiny", branch="dev")
    tiny.api.create_tag("alice/tiny", tag="v1", tag_message="first release")
    tiny.upload("alice/tiny", {"x.txt": b"x"}, create_pr=True)
    refs = tiny.api.list_repo_refs("alice/tiny")
    assert sorted(b.name for b in refs.branches) == ["dev", "main"]
    assert [t.name for t in refs.tags] == ["v1"] and refs.tags[0].ref == "refs/tags/v1"
    assert refs.converts == [] and refs.pull_requests is None
    with_prs = tiny.api.list_repo_refs("alice/tiny", include_pull_requests=True)
    assert [p.ref for p in with_prs.pull_requests] == ["refs/pr/1"]
    for create in (lambda: tiny.api.create_branch("alice/tiny", branch="dev"),
                   lambda: tiny.api.create_tag("alice/tiny", tag="v1")):
        with pytest.raises(HfHubHTTPError) as error:
            create()
        assert error.value.response.status_code == 409
    tiny.api.create_branch("alice/tiny", branch="dev", exist_ok=True)
    tiny.api.create_tag("alice/tiny", tag="v2", revision="dev")
    tiny.api.create_branch("alice/tiny", branch="feature/x", revision="v1")  # sent as feature%2Fx
    assert tiny.api.model_info("alice/tiny", revision="feature/x").sha == tiny.head("alice/tiny")
    tiny.api.delete_branch("alice/tiny", branch="feature/x")
    tiny.api.delete_tag("alice/tiny", tag="v2")
    refs = tiny.api.list_repo_refs("alice/tiny")
    assert sorted(b.name for b in refs.branches) == ["dev", "main"] and [t.name for t in refs.tags] == ["v1"]


def test_commit_history(tiny, monkeypatch):
    tiny.upload("alice/tiny", {"x.txt": b"x"}, message="second\n\nwith a body")
    commits = tiny.api.list_repo_commits("alice/tiny")
    assert [c.title for c in commits] == ["second", "add files", "Add .gitattributes", "initial commit"]
    assert commits[0].commit_id == tiny.head("alice/tiny") and commits[0].authors == ["alice"]
    assert commits[0].message == "second\n\nwith a body"
    monkeypatch.setattr(browse, "COMMITS_PAGE", 1)
    assert [c.title for c in tiny.api.list_repo_commits("alice/tiny")] == [c.title for c in commits]
    formatted = tiny.api.list_repo_commits("alice/tiny", formatted=True)
    assert formatted[0].formatted_title == "second"
