"""fsck finds corruption that happened behind the hub's back, and exits non-zero."""

import subprocess
import sys

import pytest
from sqlalchemy import delete, update

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.fsck import fsck
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.repos.reading import snapshot
from aicommons.storage.tables import CommitRow, GitTree, Ref


@pytest.fixture
def filled(hub, alice):
    repo = create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/m")
    commit(hub, repo, [AddFile("dir/a.txt", b"alpha"), AddFile("w.bin", b"\0" * 4096)],
           author=Signature("a", "a@x"), message="files")
    return repo


def test_a_healthy_store_passes(hub, filled):
    report = fsck(hub)
    assert report.ok and report.blobs_checked == 3 and report.commits_checked == 3 and report.refs_checked == 1


def test_corrupt_blob_is_found(hub, filled):
    entry = snapshot(hub, filled, "main").files["dir/a.txt"]
    hub.blobs.local_path(entry.sha256).write_bytes(b"alphA")
    assert any("corrupt" in p and entry.sha256 in p for p in fsck(hub).problems)


def test_missing_blob_tree_and_commit_are_found(hub, filled):
    snap = snapshot(hub, filled, "main")
    hub.blobs.local_path(snap.files["w.bin"].sha256).unlink()
    with hub.db.write() as session:
        session.execute(delete(GitTree).where(GitTree.oid != snap.tree_oid))  # drops the dir/ subtree
        session.execute(update(Ref).values(commit_oid="f" * 40))
    problems = "\n".join(fsck(hub).problems)
    assert "missing from the blob store" in problems
    assert "is missing from the store" in problems
    assert "points at missing commit" in problems


def test_tampered_commit_id_is_found(hub, filled):
    with hub.db.write() as session:
        session.execute(update(CommitRow).where(CommitRow.message == "files").values(message="rewritten"))
    assert any("hashes to" in p for p in fsck(hub).problems)


def test_cli_exit_code(hub, filled, tmp_path):
    run = lambda: subprocess.run([sys.executable, "-m", "aicommons", "fsck", "--data-dir", str(tmp_path / "data")],
                                 capture_output=True, text=True, timeout=120)
    assert run().returncode == 0
    entry = snapshot(hub, filled, "main").files["dir/a.txt"]
    hub.blobs.local_path(entry.sha256).write_bytes(b"x")
    failed = run()
    assert failed.returncode == 1 and "corrupt" in failed.stderr
