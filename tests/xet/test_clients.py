"""The real clients with no settings (huggingface_hub uploads large and binary files through hf_xet), and the
same with HF_HUB_DISABLE_XET=1, against one hub: every file is listed with its sha256, downloads over Xet
or plain HTTP (curl included), and a new version costs only the bytes that changed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from huggingface_hub import CommitOperationCopy, HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.utils._xet import abort_xet_session
from sqlalchemy import func, select

from aicommons.xet import xet_service
from aicommons.xet.tables import XetFile, XetXorb

HF_CLIENTS = Path(__file__).parents[1] / "hf" / "clients"


@pytest.fixture
def seen(hub, monkeypatch) -> dict[str, list]:
    """What the server did: Xet reconstructions, dedup answers, shard uploads, and blobs streamed over HTTP."""
    calls: dict[str, list] = {"reconstruction": [], "dedup_hit": [], "shard": [], "http_stream": []}
    service = xet_service(hub)

    def spy(target, name: str, key: str, keep=lambda args, result: True):
        original = getattr(target, name)

        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            if keep(args, result):
                calls[key].append(args[0] if target is hub.blobs else args[1])
            return result

        monkeypatch.setattr(target, name, wrapper)

    spy(service, "reconstruction", "reconstruction")
    spy(service, "dedup_answer", "dedup_hit", lambda args, answer: answer is not None)
    spy(service, "register_shard", "shard")
    spy(hub.blobs, "iter_range", "http_stream")
    return calls


@pytest.fixture(autouse=True)
def fresh_xet_cache(tmp_path, monkeypatch):
    """A fresh hf_xet session and local shard cache per test: a cache remembering another test's hub would
    make the client skip uploading xorbs this hub never saw."""
    monkeypatch.setenv("HF_XET_CACHE", str(tmp_path / "xet-cache"))
    abort_xet_session()
    yield
    abort_xet_session()


@pytest.fixture
def api(server, alice) -> HfApi:
    return HfApi(endpoint=server.url, token=alice.token)


def _stored_xorb_bytes(hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.coalesce(func.sum(XetXorb.stored_size), 0)))


def _xet_files(hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(XetFile))


def _weights(seed: int, floats: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(floats).astype("float32").tobytes()


def test_default_client_uploads_and_downloads_through_xet(api, hub, server, alice, seen, tmp_path):
    api.create_repo("alice/model")
    weights = _weights(0, 1_500_000)  # 6 MB
    api.upload_file(path_or_fileobj=weights, path_in_repo="model.bin", repo_id="alice/model")
    folder = tmp_path / "folder"
    (folder / "shards").mkdir(parents=True)
    shards = {f"shards/part-{i}.bin": os.urandom(700_000 + i) for i in range(3)}
    for path, data in shards.items():
        (folder / path).write_bytes(data)
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# tiny\n")
    api.upload_folder(folder_path=folder, repo_id="alice/model")
    assert len(seen["shard"]) == 2
    assert _xet_files(hub) == 4
    expected = {"model.bin": weights, **shards}

    listed = {e.path: e for e in api.list_repo_tree("alice/model", recursive=True) if hasattr(e, "lfs")}
    for path, data in expected.items():
        assert listed[path].lfs.sha256 == hashlib.sha256(data).hexdigest() and listed[path].size == len(data)
        assert listed[path].xet_hash
    assert listed["README.md"].lfs is None and listed["README.md"].xet_hash is None

    got = hf_hub_download("alice/model", "model.bin", endpoint=server.url, token=alice.token,
                          cache_dir=tmp_path / "cache")
    assert Path(got).read_bytes() == weights
    assert seen["reconstruction"] == [listed["model.bin"].xet_hash] and seen["http_stream"] == []
    snap = Path(snapshot_download("alice/model", endpoint=server.url, token=alice.token,
                                  cache_dir=tmp_path / "snap"))
    for path, data in expected.items():
        assert (snap / path).read_bytes() == data

    curl = subprocess.run(["curl", "-sSf", "-L", "-H", f"Authorization: Bearer {alice.token}",
                           f"{server.url}/alice/model/resolve/main/model.bin"], capture_output=True, timeout=60)
    assert curl.returncode == 0 and curl.stdout == weights
    part = httpx.get(f"{server.url}/alice/model/resolve/main/model.bin",
                     headers={"Range": "bytes=1000000-1999999", "Authorization": f"Bearer {alice.token}"})
    assert part.status_code == 206 and part.content == weights[1_000_000:2_000_000]


@pytest.mark.slow
def test_a_file_of_several_xorbs_downloads_in_range_windows(api, hub, server, alice, seen, monkeypatch, tmp_path):
    api.create_repo("alice/big")
    data = os.urandom(70 * 1024 * 1024)  # more than one 64 MiB xorb
    api.upload_file(path_or_fileobj=data, path_in_repo="big.bin", repo_id="alice/big")
    with hub.db.read() as session:
        assert len(session.scalars(select(XetFile)).one().terms) >= 2
    monkeypatch.setenv("HF_XET_RECONSTRUCTION_MIN_RECONSTRUCTION_FETCH_SIZE", "8mb")
    monkeypatch.setenv("HF_XET_RECONSTRUCTION_MAX_RECONSTRUCTION_FETCH_SIZE", "16mb")
    abort_xet_session()  # the session reads its configuration when it starts
    got = hf_hub_download("alice/big", "big.bin", endpoint=server.url, token=alice.token, cache_dir=tmp_path / "c")
    assert hashlib.sha256(Path(got).read_bytes()).digest() == hashlib.sha256(data).digest()
    assert len(seen["reconstruction"]) > 2  # fetched window by window


def test_a_new_version_costs_only_the_changed_bytes(api, hub):
    api.create_repo("alice/model")
    weights = np.frombuffer(_weights(1, 4_000_000), dtype="float32").copy()  # 16 MB
    api.upload_file(path_or_fileobj=weights.tobytes(), path_in_repo="model.bin", repo_id="alice/model")
    first = _stored_xorb_bytes(hub)
    weights[2_000_000:2_040_000] += 1.0  # one tensor of 1% of the bytes
    api.upload_file(path_or_fileobj=weights.tobytes(), path_in_repo="model.bin", repo_id="alice/model")
    extra = _stored_xorb_bytes(hub) - first
    assert 0 < extra < 0.05 * weights.nbytes
    assert hub.blobs.read(hashlib.sha256(weights.tobytes()).hexdigest()) == weights.tobytes()


def test_a_fresh_machine_finds_old_chunks_through_the_dedup_query(api, hub, tmp_path, monkeypatch, seen):
    api.create_repo("alice/model")
    weights = np.frombuffer(_weights(2, 3_000_000), dtype="float32").copy()
    api.upload_file(path_or_fileobj=weights.tobytes(), path_in_repo="model.bin", repo_id="alice/model")
    first = _stored_xorb_bytes(hub)
    monkeypatch.setenv("HF_XET_CACHE", str(tmp_path / "another-machine"))
    abort_xet_session()
    weights[100_000:130_000] = 0.5
    api.upload_file(path_or_fileobj=weights.tobytes(), path_in_repo="model.bin", repo_id="alice/model")
    assert seen["dedup_hit"]
    assert _stored_xorb_bytes(hub) - first < 0.05 * weights.nbytes


def test_without_xet_uploads_use_lfs_and_xet_files_download_over_http(api, hub, server, alice, monkeypatch,
                                                                     seen, tmp_path):
    api.create_repo("alice/model")
    through_xet = os.urandom(2_000_000)
    api.upload_file(path_or_fileobj=through_xet, path_in_repo="xet.bin", repo_id="alice/model")
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)  # read at import, so set where it is used
    through_lfs = os.urandom(1_500_000)
    api.upload_file(path_or_fileobj=through_lfs, path_in_repo="lfs.bin", repo_id="alice/model")
    assert len(seen["shard"]) == 1 and _xet_files(hub) == 1  # the second file went through the LFS batch API
    assert hub.blobs.local_path(hashlib.sha256(through_lfs).hexdigest()) is not None

    for name, data in (("xet.bin", through_xet), ("lfs.bin", through_lfs)):
        got = hf_hub_download("alice/model", name, endpoint=server.url, token=alice.token,
                              cache_dir=tmp_path / "cache")
        assert Path(got).read_bytes() == data
    assert seen["http_stream"] == [hashlib.sha256(through_xet).hexdigest()] and seen["reconstruction"] == []
    heads = {name: httpx.head(f"{server.url}/alice/model/resolve/main/{name}",
                              headers={"Authorization": f"Bearer {alice.token}"}).headers
             for name in ("xet.bin", "lfs.bin")}
    assert "X-Xet-Hash" in heads["xet.bin"] and 'rel="xet-auth"' in heads["xet.bin"]["Link"]
    assert "X-Xet-Hash" not in heads["lfs.bin"]  # only what the CAS can serve is advertised


def test_pull_requests_private_repos_and_other_users(api, hub, server, alice, bob, tmp_path):
    api.create_repo("alice/secret", private=True)
    api.upload_file(path_or_fileobj=os.urandom(600_000), path_in_repo="w.bin", repo_id="alice/secret")
    info = api.upload_file(path_or_fileobj=os.urandom(500_000), path_in_repo="pr.bin", repo_id="alice/secret",
                           create_pr=True)
    assert info.pr_num == 1
    bob_api = HfApi(endpoint=server.url, token=bob.token)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("alice/secret", "w.bin", endpoint=server.url, token=bob.token,
                        cache_dir=tmp_path / "bob")
    with pytest.raises(RepositoryNotFoundError):
        bob_api.upload_file(path_or_fileobj=os.urandom(100_000), path_in_repo="x.bin", repo_id="alice/secret")
    api.create_repo("alice/public")
    with pytest.raises(HfHubHTTPError) as refused:
        bob_api.upload_file(path_or_fileobj=os.urandom(100_000), path_in_repo="x.bin", repo_id="alice/public")
    assert refused.value.response.status_code == 403


def test_cross_repo_copies_reuse_xet_files(api, hub, server, alice, bob, tmp_path):
    api.create_repo("alice/model")
    weights = os.urandom(800_000)
    api.upload_file(path_or_fileobj=weights, path_in_repo="model.bin", repo_id="alice/model")
    api.create_repo("alice/copy")
    api.create_commit("alice/copy", [CommitOperationCopy("model.bin", "weights/model.bin", src_repo_id="alice/model", src_repo_type="model")],
                      commit_message="copy the weights")
    got = hf_hub_download("alice/copy", "weights/model.bin", endpoint=server.url, token=alice.token,
                          cache_dir=tmp_path / "cache")
    assert Path(got).read_bytes() == weights
    bob_api = HfApi(endpoint=server.url, token=bob.token)
    bob_api.create_repo("bob/mine")
    api.update_repo_settings("alice/model", private=True)
    with pytest.raises(RepositoryNotFoundError):  # a private source stays invisible
        bob_api.create_commit("bob/mine", [CommitOperationCopy("model.bin", "m.bin", src_repo_id="alice/model", src_repo_type="model")],
                              commit_message="take it")


def _run(script: str, server, user, tmp_path: Path, *args: str, disable_xet: bool) -> dict:
    env = {**os.environ, "HF_ENDPOINT": server.url, "HF_TOKEN": user.token, "HF_HOME": str(tmp_path / "home"),
           "HF_HUB_CACHE": str(tmp_path / "home" / "hub"), "HF_HUB_DISABLE_TELEMETRY": "1",
           "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TOKENIZERS_PARALLELISM": "false", "DISABLE_SAFETENSORS_CONVERSION": "1"}
    env.pop("HF_XET_CACHE", None)
    env.pop("HF_HUB_DISABLE_XET", None)
    if disable_xet:
        env["HF_HUB_DISABLE_XET"] = "1"
    done = subprocess.run([sys.executable, str(HF_CLIENTS / script), *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("disable_xet", [False, True], ids=["xet", "HF_HUB_DISABLE_XET"])
def test_transformers_and_datasets_push_and_load(api, hub, server, alice, tmp_path, disable_xet):
    model = _run("transformers_roundtrip.py", server, alice, tmp_path, "alice/tiny-gpt2",
                 disable_xet=disable_xet)
    assert model["same_ids"] and model["same_logits"]
    api.create_repo("alice/flowers-csv", repo_type="dataset")
    api.upload_file(path_or_fileobj=b"petal,kind\n1.4,setosa\n4.7,versicolor\n", path_in_repo="data/train.csv",
                    repo_id="alice/flowers-csv", repo_type="dataset")
    parquet = tmp_path / "train.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"petal": [1.4, 4.7], "kind": ["setosa", "versicolor"]}), parquet)
    api.create_repo("alice/flowers-parquet", repo_type="dataset")
    api.upload_file(path_or_fileobj=parquet, path_in_repo="data/train-00000-of-00001.parquet",
                    repo_id="alice/flowers-parquet", repo_type="dataset")
    rows = _run("datasets_roundtrip.py", server, alice, tmp_path, "alice/flowers-csv", "alice/flowers-parquet",
                "alice/pushed", disable_xet=disable_xet)
    assert rows["pushed"] == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}, {"x": 3, "y": "c"}]
    assert rows["parquet"] == [{"petal": 1.4, "kind": "setosa"}, {"petal": 4.7, "kind": "versicolor"}]
    weights = next(e for e in api.list_repo_tree("alice/tiny-gpt2") if e.path == "model.safetensors")
    assert weights.lfs is not None
    pushed = next(e for e in api.list_repo_tree("alice/pushed", repo_type="dataset", recursive=True)
                  if e.path.endswith(".parquet"))
    for entry in (weights, pushed):  # went through Xet unless it was disabled
        assert (entry.xet_hash is None) == disable_xet, entry.path
