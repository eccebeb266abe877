"""Garbage collection racing uploads: content that gc takes between an upload storing it and the grant that
records it is stored again (commits, which still hold the bytes) or refused for a retry (uploads), never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aicommons.errors import Conflict
from aicommons.repos import commit as commit_module
from aicommons.repos.commit import AddBlob, AddFile, commit, record_upload
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature, utcnow
from aicommons.repos.reading import file_entry, snapshot
from aicommons.storage.gc import collect_garbage
from aicommons.storage.tables import Blob

AUTHOR = Signature("alice", "alice@example.org")
CONTENT = b"weights that were uploaded once, never committed, and sent again much later\n" * 100
PAST = timedelta(seconds=-5)  # a grace period that has already passed for everything


@pytest.fixture
def repo(hub, alice):
    return create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/model")


def make_orphan(hub, repo) -> str:
    """CONTENT stored and granted by an upload whose commit never came, a day ago."""
    blob = hub.blobs.ingest_bytes(CONTENT)
    record_upload(hub, repo.id, blob)
    with hub.db.write() as session:
        session.get(Blob, blob.sha256).created_at = utcnow() - timedelta(days=2)
    return blob.sha256


def stored_content(hub, repo) -> bytes:
    with hub.blobs.open(file_entry(snapshot(hub, repo, "main"), "model.bin").sha256) as handle:
        return handle.read()


def test_uploading_again_restarts_the_grace_period(hub, repo):
    sha256 = make_orphan(hub, repo)
    record_upload(hub, repo.id, hub.blobs.ingest_bytes(CONTENT))  # sent again: its commit is on its way
    assert collect_garbage(hub).blobs == 0
    commit(hub, repo, [AddBlob("model.bin", sha256, len(CONTENT))], author=AUTHOR, message="weights")
    assert stored_content(hub, repo) == CONTENT


def test_an_upload_collected_before_its_grant_is_refused_for_a_retry(hub, repo):
    make_orphan(hub, repo)
    stored = hub.blobs.ingest_bytes(CONTENT)  # finds the orphan's object and keeps it
    assert collect_garbage(hub, PAST).blobs == 1  # gc runs before the upload records its blob
    with pytest.raises(Conflict, match="upload it again"):
        record_upload(hub, repo.id, stored)
    record_upload(hub, repo.id, hub.blobs.ingest_bytes(CONTENT))  # the retry stores it anew
    assert hub.blobs.exists(stored.sha256)


def test_a_commit_whose_content_is_collected_after_staging_stores_it_again(hub, repo, monkeypatch):
    make_orphan(hub, repo)
    staged = commit_module._store_new_content

    def stage_then_collect(hub_, operations):
        result = staged(hub_, operations)
        assert collect_garbage(hub_, PAST).blobs == 1
        return result

    monkeypatch.setattr(commit_module, "_store_new_content", stage_then_collect)
    commit(hub, repo, [AddFile("model.bin", CONTENT, lfs=True)], author=AUTHOR, message="weights")
    assert stored_content(hub, repo) == CONTENT
