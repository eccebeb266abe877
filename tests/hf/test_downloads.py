"""Downloads over /resolve with the real client: cases 1-3, 5-9 and 11-15 of the protocol reference."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from huggingface_hub import constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from aicommons.repos.objects import git_blob_id
from aicommons.storage.tables import Repo

CONFIG = json.dumps({"model_type": "tiny", "hidden_size": 8}).encode()
WEIGHTS = os.urandom(20_000)  # .bin: stored as an LFS file


@pytest.fixture
def tiny(hf):
    hf.upload("alice/tiny", {"config.json": CONFIG, "weights.bin": WEIGHTS, "docs/notes/a b.txt": b"spaced"})
    return hf


def test_head_gives_commit_etag_and_exact_length_uncompressed(tiny):  # case 1
    with tiny.http() as http:
        answer = http.head("/alice/tiny/resolve/main/config.json", headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{40}", answer.headers["x-repo-commit"])
    assert answer.headers["x-repo-commit"] == tiny.head("alice/tiny")
    assert answer.headers["etag"] == f'"{git_blob_id(CONFIG)}"'
    assert answer.headers["content-length"] == str(len(CONFIG))
    assert "content-encoding" not in answer.headers


def test_download_lands_in_cache_under_git_blob_id(tiny):  # case 2
    path = Path(hf_hub_download("alice/tiny", "config.json", **tiny.download_kwargs()))
    commit = tiny.head("alice/tiny")
    assert path.read_bytes() == CONFIG
    assert path.parent.name == commit and path.parent.parent.name == "snapshots"
    assert os.readlink(path) == f"../../blobs/{git_blob_id(CONFIG)}"


def test_lfs_file_is_cached_under_its_sha256(tiny):  # case 3
    sha256 = hashlib.sha256(WEIGHTS).hexdigest()
    with tiny.http() as http:
        answer = http.head("/alice/tiny/resolve/main/weights.bin")
    assert answer.headers["x-linked-etag"] == f'"{sha256}"'
    assert answer.headers["x-linked-size"] == str(len(WEIGHTS))
    path = Path(hf_hub_download("alice/tiny", "weights.bin", **tiny.download_kwargs()))
    assert path.read_bytes() == WEIGHTS
    assert os.readlink(path) == f"../../blobs/{sha256}"


def test_same_origin_redirect_keeps_the_metadata(tiny):  # case 5: ids match case-insensitively, by redirect
    with tiny.http() as http:
        redirect = http.head("/Alice/TINY/resolve/main/config.json")
        final = http.head("/Alice/TINY/resolve/main/config.json", follow_redirects=True)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == f"{tiny.endpoint}/alice/tiny/resolve/main/config.json"
    assert final.headers["x-repo-commit"] == tiny.head("alice/tiny")
    assert final.headers["etag"] == f'"{git_blob_id(CONFIG)}"'
    path = hf_hub_download("Alice/TINY", "config.json", **tiny.download_kwargs())
    assert Path(path).read_bytes() == CONFIG


def test_nothing_advertises_xet(tiny):  # case 6
    with tiny.http() as http:
        answers = [
            http.head("/alice/tiny/resolve/main/weights.bin"),
            http.get("/alice/tiny/resolve/main/weights.bin"),
            http.get("/api/models/alice/tiny?blobs=true"),
            http.get("/api/models/alice/tiny/tree/main?recursive=true&expand=true"),
            http.post("/api/models/alice/tiny/paths-info/main", data={"paths": ["weights.bin"], "expand": "true"}),
        ]
    for answer in answers:
        assert answer.status_code == 200
        assert not [h for h in answer.headers if h.lower().startswith("x-xet")]
        assert "xet-auth" not in answer.headers.get("link", "")
        if answer.headers["content-type"].startswith("application/json"):
            assert b"xet" not in answer.content.lower()


def test_missing_file_is_entry_not_found_with_commit(tiny):  # case 7
    commit = tiny.head("alice/tiny")
    with tiny.http() as http:
        answer = http.head("/alice/tiny/resolve/main/missing.json")
    assert answer.status_code == 404
    assert answer.headers["x-error-code"] == "EntryNotFound"
    assert answer.headers["x-repo-commit"] == commit
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download("alice/tiny", "missing.json", **tiny.download_kwargs())
    assert (tiny.cache / "models--alice--tiny" / ".no_exist" / commit / "missing.json").exists()
    assert not tiny.api.file_exists("alice/tiny", "missing.json")


def test_unknown_repo(tiny):  # case 8
    with tiny.http() as http:
        for url in ("/alice/nope/resolve/main/config.json", "/api/models/alice/nope", "/api/models/nope"):
            answer = http.get(url)
            assert (answer.status_code, answer.headers["x-error-code"]) == (404, "RepoNotFound"), url
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("alice/nope", "config.json", **tiny.download_kwargs())
    with pytest.raises(RepositoryNotFoundError):
        tiny.api.model_info("alice/nope")
    assert tiny.api.repo_exists("alice/tiny") and not tiny.api.repo_exists("alice/nope")
    assert not tiny.api.repo_exists("gpt2")


def test_unknown_revision(tiny):  # case 9
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download("alice/tiny", "config.json", revision="nope", **tiny.download_kwargs())
    with pytest.raises(RevisionNotFoundError):
        tiny.api.model_info("alice/tiny", revision="nope")
    assert tiny.api.revision_exists("alice/tiny", "main")
    assert not tiny.api.revision_exists("alice/tiny", "nope")
    assert not tiny.api.revision_exists("alice/tiny", "0" * 40)


def test_revisions_by_pr_ref_and_commit_id(tiny):  # case 11
    pr = tiny.upload("alice/tiny", {"config.json": b'{"pr": true}'}, message="propose", create_pr=True)
    assert pr.pr_revision == "refs/pr/1"
    main = tiny.head("alice/tiny")
    for revision, content in (("refs/pr/1", b'{"pr": true}'), (main, CONFIG), (main[:10], CONFIG)):
        path = hf_hub_download("alice/tiny", "config.json", revision=revision, **tiny.download_kwargs())
        assert Path(path).read_bytes() == content
        assert tiny.api.model_info("alice/tiny", revision=revision).sha in (main, pr.oid)
        files = tiny.api.list_repo_files("alice/tiny", revision=revision)
        assert "config.json" in files
    with tiny.http() as http:
        for url in ("/alice/tiny/resolve/refs%2Fpr%2F1/config.json", "/alice/tiny/resolve/refs/pr/1/config.json",
                    "/api/models/alice/tiny/revision/refs%2Fpr%2F1", "/api/models/alice/tiny/tree/refs%2Fpr%2F1"):
            assert http.get(url).status_code == 200, url
    assert tiny.api.model_info("alice/tiny", revision="refs/pr/1").sha == pr.oid


def test_dataset_routes_behave_like_model_routes(hf):  # case 12
    hf.upload("alice/table", {"data.csv": b"a,b\n1,2\n"}, repo_type="dataset")
    path = hf_hub_download("alice/table", "data.csv", repo_type="dataset", **hf.download_kwargs())
    assert Path(path).read_bytes() == b"a,b\n1,2\n"
    assert "datasets--alice--table" in path
    assert hf.api.dataset_info("alice/table").sha == hf.head("alice/table", "dataset")
    assert [f.path for f in hf.api.list_repo_tree("alice/table", repo_type="dataset")] == [".gitattributes", "data.csv"]
    with pytest.raises(RepositoryNotFoundError):  # a dataset is not a model
        hf.api.model_info("alice/table")


def test_range_requests(tiny):  # case 13
    with tiny.http() as http:
        part = http.get("/alice/tiny/resolve/main/weights.bin", headers={"range": "bytes=1000-2009"})
        tail = http.get("/alice/tiny/resolve/main/weights.bin", headers={"range": "bytes=-10"})
        past = http.get("/alice/tiny/resolve/main/weights.bin", headers={"range": f"bytes={len(WEIGHTS)}-"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-2009/{len(WEIGHTS)}"
    assert part.content == WEIGHTS[1000:2010]
    assert tail.status_code == 206 and tail.content == WEIGHTS[-10:]
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(WEIGHTS)}"


def test_filesystem_reads_ranges(tiny):  # HfFileSystem (used by datasets streaming) reads by Range
    from huggingface_hub import HfFileSystem

    fs = HfFileSystem(endpoint=tiny.endpoint, token=tiny.token)
    assert fs.info("alice/tiny/weights.bin")["size"] == len(WEIGHTS)
    assert sorted(fs.ls("alice/tiny/docs/notes", detail=False)) == ["alice/tiny/docs/notes/a b.txt"]
    with fs.open("alice/tiny/weights.bin", "rb", block_size=4096) as handle:
        handle.seek(10_000)
        assert handle.read(3000) == WEIGHTS[10_000:13_000]
    assert fs.cat_file("alice/tiny/weights.bin", start=5, end=25) == WEIGHTS[5:25]


def test_slices_and_ranges_of_mapped_files(tiny, monkeypatch):
    from aicommons.api.hf import blob_responses

    monkeypatch.setattr(blob_responses, "SLICE_BYTES", 777)  # ranges that start and end inside slices
    with tiny.http() as http:
        whole = http.get("/alice/tiny/resolve/main/weights.bin")
        for first, last in ((0, 0), (1, 776), (700, 2000), (19_000, 19_999), (5, 30_000)):
            part = http.get("/alice/tiny/resolve/main/weights.bin", headers={"range": f"bytes={first}-{last}"})
            assert part.status_code == 206 and part.content == WEIGHTS[first:last + 1]
        several = http.get("/alice/tiny/resolve/main/weights.bin", headers={"range": "bytes=0-1,5-6"})
        malformed = http.get("/alice/tiny/resolve/main/weights.bin", headers={"range": "lines=1-2"})
    assert whole.content == WEIGHTS and whole.headers["content-length"] == str(len(WEIGHTS))
    assert several.status_code == 200 and several.content == WEIGHTS  # several ranges: the whole file
    assert malformed.status_code == 200 and malformed.content == WEIGHTS


def test_snapshot_then_offline_reuse(tiny, monkeypatch, server):  # cases 14 and 15
    commit = tiny.head("alice/tiny")
    folder = Path(snapshot_download("alice/tiny", **tiny.download_kwargs()))
    assert folder.name == commit
    assert (folder / "docs" / "notes" / "a b.txt").read_bytes() == b"spaced"
    assert (folder / "weights.bin").read_bytes() == WEIGHTS
    listing = json.loads((tiny.cache / "models--alice--tiny" / "trees" / f"{commit}.json").read_text())
    assert set(listing["files"]) == {".gitattributes", "config.json", "weights.bin", "docs/notes/a b.txt"}

    server.stop()
    again = snapshot_download("alice/tiny", revision=commit, **tiny.download_kwargs())
    assert Path(again) == folder  # at a commit, a complete cached snapshot needs no request

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert Path(snapshot_download("alice/tiny", **tiny.download_kwargs())) == folder
    path = hf_hub_download("alice/tiny", "config.json", **tiny.download_kwargs())
    assert Path(path).read_bytes() == CONFIG
    with pytest.raises(EntryNotFoundError):
        hf_hub_download("alice/tiny", "never-downloaded.txt", **tiny.download_kwargs())
    with pytest.raises(LocalEntryNotFoundError):
        hf_hub_download("alice/other", "config.json", **tiny.download_kwargs())


def test_downloads_are_counted_once_per_whole_file(tiny, server):
    with tiny.http() as http:
        http.get("/alice/tiny/resolve/main/config.json")
        http.get("/alice/tiny/resolve/main/config.json", headers={"range": "bytes=0-"})
        http.get("/alice/tiny/resolve/main/config.json", headers={"range": "bytes=5-"})  # a resumed download
        http.head("/alice/tiny/resolve/main/config.json")
    server.app.state.hf_downloads.flush()
    assert tiny.api.model_info("alice/tiny").downloads == 2


def test_pending_counts_are_saved_at_shutdown(tiny, server):
    with tiny.http() as http:
        http.get("/alice/tiny/resolve/main/config.json")
    server.stop()
    with server.hub.db.read() as session:
        repo = session.scalar(select(Repo).where(Repo.name == "tiny"))
    assert repo.downloads == 1
