"""`aicommons storage` and `aicommons gc`: logical against physical bytes, and reclaiming only what no commit
needs once its grace period has passed."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from aicommons.cli.main import app
from aicommons.errors import InvalidInput
from aicommons.repos.commit import AddBlob, AddFile, commit
from aicommons.repos.manage import create_repo, delete_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.repos.reading import snapshot
from aicommons.storage.gc import collect_garbage
from aicommons.storage.usage import storage_usage
from aicommons.xet import tokens, xet_service
from aicommons.xet.content import xorb_key
from tests.xet.builders import FileTerm, build_shard, build_xorb, file_block, split, upload

AUTHOR = Signature("alice", "alice@example.org")
PAST = timedelta(seconds=-5)  # a grace period that has already passed for everything


@pytest.fixture
def versions(hub, alice):
    """alice/model with two versions of a Xet file sharing all but one chunk, and a whole LFS blob."""
    repo = create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/model")
    base = build_xorb(split(os.urandom(640_000)))
    patch = build_xorb([os.urandom(64 * 1024)])
    v1 = [FileTerm(base, 0, 10)]
    v2 = [FileTerm(base, 0, 4), FileTerm(patch, 0, 1), FileTerm(base, 5, 10)]
    sha1 = upload(hub, repo, v1)
    commit(hub, repo, [AddBlob("model.bin", sha1, 640_000)], author=AUTHOR, message="v1")
    sha2 = upload(hub, repo, v2)
    commit(hub, repo, [AddBlob("model.bin", sha2, 640_000), AddFile("extra.bin", b"\0" * 1000, lfs=True)],
           author=AUTHOR, message="v2")
    return repo, base, patch, sha1, sha2


def test_usage_counts_each_file_version_whole_and_each_stored_object_once(hub, versions):
    repo, base, patch, _, _ = versions
    usage = storage_usage(hub)
    row = next(r for r in usage.repos if r.repo_id == "alice/model")
    gitattributes = snapshot(hub, repo, "main").files[".gitattributes"].size
    assert row.logical_bytes == 2 * 640_000 + 1000 + gitattributes
    assert row.file_versions == 4  # .gitattributes, two versions of model.bin, extra.bin
    assert row.physical_bytes == len(base.body) + len(patch.body) + 1000 + gitattributes
    assert usage.logical_bytes == row.logical_bytes and usage.unreferenced_bytes == 0


def test_gc_keeps_referenced_and_recent_content(hub, versions):
    _, base, _, sha1, _ = versions
    before = storage_usage(hub)
    assert collect_garbage(hub, PAST, PAST).blobs == 0
    assert collect_garbage(hub).blobs == 0
    assert hub.blobs.read(sha1)[:10] == base.chunks[0][:10]
    assert storage_usage(hub).stored_bytes == before.stored_bytes


def test_gc_waits_out_the_grace_periods_for_uploads_never_committed(hub, versions):
    repo, base, patch, _, _ = versions
    orphan = build_xorb([os.urandom(70_000)])
    sha = upload(hub, repo, [FileTerm(orphan, 0, 1), FileTerm(base, 0, 1)])
    assert collect_garbage(hub).blobs == 0  # within the default grace: an upload whose commit is on its way
    report = collect_garbage(hub, PAST, timedelta(days=21))
    assert (report.blobs, report.xet_files, report.xorbs) == (1, 1, 0)  # the xorb outlives its file
    assert not hub.blobs.exists(sha)
    with pytest.raises(InvalidInput, match="not uploaded to this repo"):
        commit(hub, repo, [AddBlob("late.bin", sha)], author=AUTHOR, message="too late")
    report = collect_garbage(hub, PAST, PAST)
    assert report.xorbs == 1 and report.xorb_bytes == len(orphan.body)
    assert not hub.blobs.objects.exists(xorb_key(orphan.hex)) and hub.blobs.objects.exists(xorb_key(base.hex))
    grant = tokens.XetGrant(repo.id, tokens.WRITE, None, None, 0)
    with pytest.raises(InvalidInput, match="never uploaded"):
        xet_service(hub).register_shard(grant, build_shard([file_block([FileTerm(orphan, 0, 1)])]))


def test_gc_reclaims_a_deleted_repo_but_not_what_another_repo_shares(hub, alice, versions):
    repo, base, patch, sha1, sha2 = versions
    fork = create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/fork")
    upload(hub, fork, [FileTerm(base, 0, 10)])
    commit(hub, fork, [AddBlob("model.bin", sha1)], author=AUTHOR, message="same weights")
    delete_repo(hub, repo)
    assert collect_garbage(hub, PAST, PAST, dry_run=True).xorbs == 1
    assert hub.blobs.objects.exists(xorb_key(patch.hex))  # a dry run removes nothing
    report = collect_garbage(hub, PAST, PAST)
    assert report.xorbs == 1 and report.blob_bytes == 1000  # the patch xorb and extra.bin
    assert not hub.blobs.exists(sha2) and hub.blobs.exists(sha1)
    assert storage_usage(hub).unreferenced_bytes == 0


def test_cli_commands(hub, versions, tmp_path):
    runner = CliRunner()
    data_dir = str(hub.settings.data_dir)
    shown = runner.invoke(app, ["storage", "--json", "--data-dir", data_dir])
    assert shown.exit_code == 0, shown.output
    figures = json.loads(shown.output)
    assert figures["repos"][0]["repo_id"] == "alice/model" and figures["total"]["unreferenced_bytes"] == 0
    table = runner.invoke(app, ["storage", "--data-dir", data_dir])
    assert "model:alice/model" in table.output and "total logical" in table.output
    swept = runner.invoke(app, ["gc", "--dry-run", "--data-dir", data_dir])
    assert swept.exit_code == 0 and "would remove 0 unreferenced file versions" in swept.output
