"""The distributed configuration: PostgreSQL for metadata and an S3-protocol server for blobs."""

import pytest

from aicommons.accounts.access import visible_repos
from aicommons.accounts.principal import ANONYMOUS
from aicommons.accounts.service import create_user, principal_for_user
from aicommons.repos.commit import AddBlob, AddFile, commit, grant_blob
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.repos.reading import history, snapshot
from aicommons.storage.objects import S3Store
from aicommons.storage.tables import Repo
from tests.foundation.concurrency import commit_from_threads
from sqlalchemy import select

pytestmark = pytest.mark.scaleout
AUTHOR = Signature("carol", "carol@example.org")


@pytest.fixture
def carol(scaled_hub):
    with scaled_hub.db.write() as session:
        return principal_for_user(session, create_user(session, "carol", "carol-password"))


def test_backends_are_the_real_ones(scaled_hub):
    assert scaled_hub.db.engine.dialect.name == "postgresql"
    assert isinstance(scaled_hub.blobs.objects, S3Store)


def test_commit_read_and_ranges(scaled_hub, carol):
    repo = create_repo(scaled_hub, carol, RepoType.MODEL, "carol/m", private=True)
    payload = bytes(range(256)) * 4096
    blob = scaled_hub.blobs.ingest([payload[:500_000], payload[500_000:]], expected_size=len(payload))
    with scaled_hub.db.write() as session:
        grant_blob(session, repo.id, blob.sha256, blob.size, blob.git_oid)
    commit(scaled_hub, repo, [AddFile("README.md", b"# m\n"), AddBlob("w.bin", blob.sha256, len(payload))],
           author=AUTHOR, message="weights")
    snap = snapshot(scaled_hub, repo, "main")
    assert scaled_hub.blobs.read(snap.files["README.md"].sha256) == b"# m\n"
    assert b"".join(scaled_hub.blobs.iter_range(blob.sha256, 1000, 1999)) == payload[1000:2000]
    assert scaled_hub.blobs.local_path(blob.sha256) is None
    with scaled_hub.db.read() as session:
        assert session.scalars(select(Repo.name).where(visible_repos(ANONYMOUS))).all() == []
        assert session.scalars(select(Repo.name).where(visible_repos(carol))).all() == ["m"]


def test_concurrent_committers_on_postgres(scaled_hub, carol):
    repo = create_repo(scaled_hub, carol, RepoType.DATASET, "carol/d")
    commit_from_threads(scaled_hub, repo, {f"part-{n}.csv": f"{n}\n".encode() for n in range(20)}, AUTHOR)
    snap = snapshot(scaled_hub, repo, "main")
    assert {f"part-{n}.csv" for n in range(20)} <= set(snap.files)
    assert len(history(scaled_hub, repo, snap.commit_oid)) == 22
