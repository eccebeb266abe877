"""Uploads with the real client: repo management, preupload, NDJSON commits and the LFS batch API
(cases 21-28 of the reference)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from huggingface_hub import (
    CommitOperationCopy,
    CommitOperationDelete,
    HfApi,
    hf_hub_download,
)
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from aicommons.accounts.service import create_org, require_account, set_member
from aicommons.api.hf import lfs
from aicommons.repos.reading import snapshot
from aicommons.repos.manage import find_repo


def files_at(hf, repo_id: str, revision: str = "main", repo_type: str = "model") -> dict:
    snap = snapshot(hf.hub, find_repo(hf.hub, repo_type, repo_id), revision)
    return {path: hf.hub.blobs.read(entry.sha256) for path, entry in snap.files.items()}


def test_create_and_delete_repos(hf, server, alice):  # case 21
    url = hf.api.create_repo("alice/new")
    assert url == f"{hf.endpoint}/alice/new" and url.repo_id == "alice/new" and url.repo_type == "model"
    with hf.http() as http:
        again = http.post("/api/repos/create", json={"name": "new", "organization": None})
    assert again.status_code == 409 and again.json()["url"] == f"{hf.endpoint}/alice/new"
    assert hf.api.create_repo("alice/new", exist_ok=True) == url
    with pytest.raises(HfHubHTTPError) as error:
        hf.api.create_repo("alice/new")
    assert error.value.response.status_code == 409
    dataset = hf.api.create_repo("data", repo_type="dataset", private=True)  # the namespace defaults to the caller
    assert dataset == f"{hf.endpoint}/datasets/alice/data"
    assert hf.api.dataset_info("alice/data").private is True
    hf.api.update_repo_settings("alice/data", repo_type="dataset", private=False)
    assert hf.api.dataset_info("alice/data").private is False

    with pytest.raises(HfHubHTTPError) as error:  # a read token cannot create
        HfApi(endpoint=server.url, token=alice.read_token).create_repo("alice/other")
    assert error.value.response.status_code == 403
    hf.api.delete_repo("alice/new")
    assert not hf.api.repo_exists("alice/new")
    with pytest.raises(RepositoryNotFoundError):
        hf.api.delete_repo("alice/new")
    hf.api.delete_repo("alice/new", missing_ok=True)


def test_preupload_modes_and_unchanged_files(hf):  # case 22
    hf.upload("alice/m", {"config.json": b"{}", "weights.bin": b"\1" * 100, ".gitignore": b"*.log\nlogs/\n"})
    with hf.http() as http:
        answer = http.post("/api/models/alice/m/preupload/main", json={"files": [
            {"path": "config.json", "sample": "e30=", "size": 2},
            {"path": "weights.bin", "sample": "", "size": 100},
            {"path": "big.txt", "sample": "", "size": 20 * 1024 * 1024},
            {"path": "binary.dat", "sample": "AAEC", "size": 3},
            {"path": "run.log", "sample": "", "size": 1},
            {"path": "logs/a.txt", "sample": "", "size": 1}]}).json()
    modes = {f["path"]: (f["uploadMode"], f["shouldIgnore"], f.get("oid")) for f in answer["files"]}
    assert modes["config.json"] == ("regular", False, "9e26dfeeb6e641a33dae4961196235bdb965b21b")
    assert modes["weights.bin"] == ("lfs", False, hashlib.sha256(b"\1" * 100).hexdigest())
    assert modes["big.txt"][0] == "lfs" and modes["binary.dat"][0] == "lfs"
    assert modes["run.log"][1] is True and modes["logs/a.txt"][1] is True

    head = hf.head("alice/m")
    hf.upload("alice/m", {"config.json": b"{}", "weights.bin": b"\1" * 100})  # identical: nothing to commit
    assert hf.head("alice/m") == head
    hf.upload("alice/m", {"debug.log": b"noise", "keep.txt": b"kept"})  # the .gitignore'd file is left out
    assert "debug.log" not in files_at(hf, "alice/m") and files_at(hf, "alice/m")["keep.txt"] == b"kept"


def test_inline_commit_round_trips(hf):  # case 23
    content = "héllo\n".encode() * 100
    result = hf.upload("alice/m", {"text/hello.txt": content}, message="hello", commit_description="details")
    assert result.oid == hf.head("alice/m")
    assert result.commit_url == f"{hf.endpoint}/alice/m/commit/{result.oid}"
    assert result.repo_url.repo_id == "alice/m"
    path = hf_hub_download("alice/m", "text/hello.txt", **hf.download_kwargs())
    assert Path(path).read_bytes() == content
    assert hf.api.list_repo_commits("alice/m")[0].message == "hello\n\ndetails"


def test_lfs_basic_upload(hf):  # case 24
    weights = os.urandom(300_000)
    hf.upload("alice/m", {"model.safetensors": weights})
    entry = snapshot(hf.hub, find_repo(hf.hub, "model", "alice/m"), "main").files["model.safetensors"]
    assert entry.lfs and entry.sha256 == hashlib.sha256(weights).hexdigest()
    assert Path(hf_hub_download("alice/m", "model.safetensors", **hf.download_kwargs())).read_bytes() == weights

    with hf.http() as http:  # a stored object needs no upload
        batch = http.post("/alice/m.git/info/lfs/objects/batch", json={
            "operation": "upload", "transfers": ["basic", "multipart"], "hash_algo": "sha256",
            "objects": [{"oid": entry.sha256, "size": len(weights)}, {"oid": "ab" * 32, "size": 10}]})
    assert batch.headers["content-type"].startswith("application/vnd.git-lfs+json")
    stored, new = batch.json()["objects"]
    assert "actions" not in stored and set(new["actions"]) == {"upload", "verify"}
    hf.upload("alice/m", {"copy.safetensors": weights})  # skipped upload, committed by oid
    assert files_at(hf, "alice/m")["copy.safetensors"] == weights


def test_lfs_upload_urls_are_the_credential(hf):
    hf.api.create_repo("alice/m")
    data = b"\0payload"
    oid = hashlib.sha256(data).hexdigest()
    with hf.http() as http:
        href = http.post("/alice/m.git/info/lfs/objects/batch", json={
            "operation": "upload", "objects": [{"oid": oid, "size": len(data)}]}).json()["objects"][0]["actions"][
            "upload"]["href"]
    with hf.http(token=None) as anonymous:
        unsigned = anonymous.put(href.split("?")[0] + f"?size={len(data)}", content=data)
        tampered = anonymous.put(href.replace(f"size={len(data)}", f"size={len(data) + 1}"), content=data + b"x")
        assert anonymous.post("/alice/m.git/info/lfs/objects/batch", json={
            "operation": "upload", "objects": [{"oid": oid, "size": len(data)}]}).status_code == 401
        assert anonymous.put(href, content=data).status_code == 200
    assert unsigned.status_code == 401 and "not signed" in unsigned.headers["x-error-message"]
    assert tampered.status_code == 401 and "signature" in tampered.headers["x-error-message"]


def test_lfs_multipart_upload(hf, monkeypatch):  # case 25
    monkeypatch.setattr(lfs, "MULTIPART_THRESHOLD", 10_000)
    monkeypatch.setattr(lfs, "PART_SIZE", 4096)
    weights = os.urandom(10_001)
    with hf.http() as http:
        batch = http.post("/alice/m.git/info/lfs/objects/batch", json={
            "operation": "upload", "transfers": ["basic", "multipart"],
            "objects": [{"oid": hashlib.sha256(weights).hexdigest(), "size": len(weights)}]})
    assert batch.status_code == 404  # no repo yet
    hf.upload("alice/m", {"model.bin": weights})
    assert files_at(hf, "alice/m")["model.bin"] == weights
    assert list(hf.hub.blobs.objects.keys(lfs.PARTS_PREFIX + "/")) == []  # parts are removed once assembled
    with hf.http() as http:
        answer = http.post("/alice/m.git/info/lfs/objects/batch", json={
            "operation": "upload", "transfers": ["basic", "multipart"],
            "objects": [{"oid": "cd" * 32, "size": 10_001}]}).json()
    header = answer["objects"][0]["actions"]["upload"]["header"]
    assert answer["transfer"] == "multipart" and header["chunk_size"] == "4096"
    assert sorted(k for k in header if k.isdigit()) == ["1", "2", "3"]


def test_deletes_and_copies(hf):  # case 26
    weights = b"\0" * 2048
    hf.upload("alice/m", {"a/x.txt": b"x", "a/b/y.txt": b"y", "keep.txt": b"k", "w.bin": weights})
    hf.api.create_commit("alice/m", [
        CommitOperationCopy("w.bin", "copies/w.bin"),  # an LFS source: an lfsFile line without size
        CommitOperationCopy("keep.txt", "copies/keep.txt"),  # a regular source: re-sent inline
    ], commit_message="copy")
    files = files_at(hf, "alice/m")
    assert files["copies/w.bin"] == weights and files["copies/keep.txt"] == b"k"
    hf.api.create_commit("alice/m", [CommitOperationDelete("keep.txt"), CommitOperationDelete("a/")],
                         commit_message="delete")
    assert set(files_at(hf, "alice/m")) == {".gitattributes", "w.bin", "copies/w.bin", "copies/keep.txt"}
    head = hf.head("alice/m")
    with pytest.raises(HfHubHTTPError) as error:
        hf.api.delete_file("missing.txt", "alice/m")
    assert error.value.response.status_code == 404 and "doesn't exist" in str(error.value)
    assert hf.head("alice/m") == head


def test_parent_commit_and_pull_requests(hf):  # case 27
    first = hf.upload("alice/m", {"a.txt": b"1"})
    hf.upload("alice/m", {"a.txt": b"2"})
    head = hf.head("alice/m")
    with pytest.raises(HfHubHTTPError) as error:
        hf.upload("alice/m", {"a.txt": b"3"}, parent_commit=first.oid)
    assert error.value.response.status_code == 412
    assert hf.head("alice/m") == head
    hf.upload("alice/m", {"a.txt": b"3"}, parent_commit=head)

    pr = hf.upload("alice/m", {"b.txt": b"proposal"}, message="proposal", create_pr=True)
    assert pr.pr_url == f"{hf.endpoint}/alice/m/discussions/1" and pr.pr_num == 1 and pr.pr_revision == "refs/pr/1"
    hf.upload("alice/m", {"c.txt": b"more"}, revision="refs/pr/1")  # sent to refs%2Fpr%2F1: appends to the PR
    assert set(files_at(hf, "alice/m", "refs/pr/1")) >= {"b.txt", "c.txt"}
    assert "b.txt" not in files_at(hf, "alice/m")
    pr2 = hf.upload("alice/m", {"d.txt": b"other"}, create_pr=True, parent_commit=first.oid)
    assert pr2.pr_num == 2 and files_at(hf, "alice/m", "refs/pr/2")["a.txt"] == b"1"


def test_validate_yaml(hf):  # case 28
    with hf.http() as http:
        good = http.post("/api/validate-yaml", json={"content": "---\nlicense: mit\n---\n", "repoType": "model"})
        bad = http.post("/api/validate-yaml", json={"content": "---\nlicense: [mit\n---\n", "repoType": "model"})
    assert good.status_code == 200 and good.json() == {"errors": [], "warnings": []}
    assert bad.status_code == 400 and bad.json()["errors"][0]["message"]
    hf.api.create_repo("alice/m")
    head = hf.head("alice/m")
    with pytest.raises(ValueError, match="Invalid YAML"):
        hf.upload("alice/m", {"README.md": b"---\nlicense: [mit\n---\n"})
    assert hf.head("alice/m") == head


def test_org_members_write_by_role(hf, server, bob, hub):
    with hub.db.write() as session:
        lab = create_org(session, "lab", require_account(session, "alice"))
        set_member(session, lab, require_account(session, "bob"), "read")
    hf.api.create_repo("lab/shared")
    as_bob = HfApi(endpoint=server.url, token=bob.token)
    with pytest.raises(HfHubHTTPError) as error:
        as_bob.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="lab/shared")
    assert error.value.response.status_code == 403
    assert as_bob.model_info("lab/shared").id == "lab/shared"
