"""With blobs in an S3-protocol store, LFS downloads redirect to a presigned URL on the store's own origin
(case 4): the 302 carries the metadata, and the client's GET there carries no token."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from huggingface_hub import hf_hub_download
from huggingface_hub.utils import get_session

from aicommons.features import configure_hub
from aicommons.hub import Hub
from aicommons.settings import Settings

pytestmark = pytest.mark.scaleout


@pytest.fixture
def hub(tmp_path, s3_server, monkeypatch):
    """This module's hub keeps its blobs in a bucket of the S3-protocol server (metadata stays in SQLite)."""
    for key, value in s3_server.environment().items():
        monkeypatch.setenv(key, value)
    s3_server.create_bucket("hf-redirects")
    hub = configure_hub(Hub.open(Settings.from_env(tmp_path / "data", storage_url="s3://hf-redirects/hub")))
    yield hub
    hub.close()


def test_lfs_download_redirects_to_the_object_store(hf, s3_server):
    weights = os.urandom(50_000)
    hf.upload("alice/m", {"w.bin": weights, "config.json": b"{}"})
    seen = []
    session = get_session()
    session.event_hooks["request"].append(seen.append)
    try:
        head = session.head(f"{hf.endpoint}/alice/m/resolve/main/w.bin",
                            headers={"authorization": f"Bearer {hf.token}"}, follow_redirects=False)
        path = hf_hub_download("alice/m", "w.bin", **hf.download_kwargs())
        small = hf_hub_download("alice/m", "config.json", **hf.download_kwargs())  # regular files stream through
    finally:
        session.event_hooks["request"].remove(seen.append)
    assert head.status_code == 302
    assert head.headers["location"].startswith(s3_server.url)
    assert head.headers["x-linked-etag"] == f'"{hashlib.sha256(weights).hexdigest()}"'
    assert head.headers["x-linked-size"] == str(len(weights)) and len(head.headers["x-repo-commit"]) == 40
    assert Path(path).read_bytes() == weights and Path(small).read_bytes() == b"{}"
    to_store = [r for r in seen if str(r.url).startswith(s3_server.url)]
    assert len(to_store) == 1 and to_store[0].method == "GET" and "authorization" not in to_store[0].headers
    with hf.http() as http:  # ranges on streamed-through files
        part = http.get("/alice/m/resolve/main/config.json", headers={"range": "bytes=1-"})
    assert (part.status_code, part.content) == (206, b"}")
