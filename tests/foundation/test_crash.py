"""kill -9 in the middle of writing a blob or a commit leaves nothing partial behind.

Each test runs the writer in a child process, waits until it is provably mid-write (it touches a
marker file from inside the write), kills it with SIGKILL, and checks the store from a fresh process."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from aicommons.hub import Hub
from aicommons.repos.reading import snapshot
from aicommons.repos.manage import create_repo, find_repo
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.settings import Settings
from aicommons.storage.tables import CommitRow, GitTree, Ref
from sqlalchemy import select

pytestmark = pytest.mark.slow

CHILD_PRELUDE = """
import sys, time, pathlib
from aicommons.hub import Hub
from aicommons.settings import Settings
from aicommons.repos.manage import find_repo
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.objects import Signature
hub = Hub.open(Settings.from_env(sys.argv[1]))
marker = pathlib.Path(sys.argv[2])
repo = find_repo(hub, "model", "alice/crash")
"""


def run_until_marker_then_kill(data_dir, marker, body: str) -> None:
    code = CHILD_PRELUDE + textwrap.dedent(body)
    child = subprocess.Popen([sys.executable, "-c", code, str(data_dir), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, "the writer exited before reaching the point to kill it at"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()


@pytest.fixture
def crash_repo(tmp_path, alice, hub):
    create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/crash")
    return tmp_path / "data"


def assert_consistent(data_dir):
    """Every ref names a stored commit, every commit's tree is stored, every file's blob is stored whole."""
    hub = Hub.open(Settings.from_env(data_dir))
    with hub.db.read() as session:
        for ref in session.scalars(select(Ref)):
            row = session.get(CommitRow, (ref.repo_id, ref.commit_oid))
            assert row is not None, f"{ref.name} points at a missing commit"
            for entry in hub.trees.flatten(session, row.tree_oid).values():
                assert hub.blobs.exists(entry.sha256)
                assert len(hub.blobs.read(entry.sha256)) == entry.size
        assert session.scalar(select(GitTree).limit(1)) is not None
    hub.close()


def test_kill_while_streaming_a_blob(crash_repo, tmp_path, hub):
    before = set(hub.blobs.all_sha256())
    run_until_marker_then_kill(crash_repo, tmp_path / "marker", """
        def chunks():
            for i in range(1000):
                if i == 10:
                    marker.touch()
                    time.sleep(600)
                yield b"x" * 65536
        hub.blobs.ingest(chunks())
    """)
    assert set(hub.blobs.all_sha256()) == before  # the partial upload is not a blob
    leftovers = list((crash_repo / "tmp").glob("upload-*.part"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0
    assert hub.blobs.clean_stale_uploads(older_than_seconds=0) == 1
    assert_consistent(crash_repo)


def test_kill_inside_the_commit_transaction(crash_repo, tmp_path, hub):
    repo = find_repo(hub, "model", "alice/crash")
    head_before = snapshot(hub, repo, "main").commit_oid
    run_until_marker_then_kill(crash_repo, tmp_path / "marker", """
        store_nodes = hub.trees.store_nodes
        def store_then_hang(session, nodes):
            store_nodes(session, nodes)
            session.flush()  # the new trees are written inside the open transaction
            marker.touch()
            time.sleep(600)
        hub.trees.store_nodes = store_then_hang
        commit(hub, repo, [AddFile("weights.bin", b"\\0" * 100_000)], author=Signature("a", "a@x"), message="m")
    """)
    fresh = Hub.open(Settings.from_env(crash_repo))
    snap = snapshot(fresh, find_repo(fresh, "model", "alice/crash"), "main")
    assert snap.commit_oid == head_before and "weights.bin" not in snap.files
    # the store still takes commits after the crash
    result = commit(fresh, find_repo(fresh, "model", "alice/crash"), [AddFile("after.txt", b"ok")],
                    author=Signature("a", "a@x"), message="after the crash")
    assert snapshot(fresh, find_repo(fresh, "model", "alice/crash"), "main").commit_oid == result.oid
    fresh.close()
    assert_consistent(crash_repo)


def test_kill_during_a_stream_of_commits(crash_repo, tmp_path):
    """Killed at an arbitrary moment among many commits, the store is consistent and the ref is at a whole commit."""
    run_until_marker_then_kill(crash_repo, tmp_path / "marker", """
        for i in range(10_000):
            commit(hub, repo, [AddFile(f"f/{i % 50}.bin", bytes([i % 256]) * 20_000)],
                   author=Signature("a", "a@x"), message=f"c{i}")
            if i == 20:
                marker.touch()
    """)
    assert_consistent(crash_repo)
