"""Xet storage on the distributed configuration: xorbs in an S3 bucket, metadata in PostgreSQL, and gc
taking its table locks there."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from aicommons.accounts.service import create_user, principal_for_user
from aicommons.repos.commit import AddBlob, commit
from aicommons.repos.manage import create_repo, delete_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.storage.gc import collect_garbage
from aicommons.storage.usage import storage_usage
from aicommons.xet.content import xorb_key
from tests.xet.builders import FileTerm, build_xorb, split, upload

pytestmark = pytest.mark.scaleout
PAST = timedelta(seconds=-5)


def test_xet_files_live_in_the_bucket_and_gc_reclaims_them(scaled_hub):
    with scaled_hub.db.write() as session:
        carol = principal_for_user(session, create_user(session, "carol"))
    repo = create_repo(scaled_hub, carol, RepoType.MODEL, "carol/m")
    built = build_xorb(split(os.urandom(300_000)))
    terms = [FileTerm(built, 2, 5), FileTerm(built, 0, 2)]
    sha256 = upload(scaled_hub, repo, terms)
    content = b"".join(t.data for t in terms)
    assert scaled_hub.blobs.objects.exists(xorb_key(built.hex))
    assert scaled_hub.blobs.read(sha256) == content
    assert b"".join(scaled_hub.blobs.iter_range(sha256, 70_000, 199_999)) == content[70_000:200_000]
    assert scaled_hub.blobs.download_url(sha256, 60) is None  # nothing to presign: it is reassembled
    commit(scaled_hub, repo, [AddBlob("w.bin", sha256)], author=Signature("carol", "c@x"), message="weights")
    assert storage_usage(scaled_hub).referenced_bytes >= len(built.body)
    delete_repo(scaled_hub, repo)
    report = collect_garbage(scaled_hub, PAST, PAST)
    assert (report.blobs, report.xet_files, report.xorbs) == (2, 1, 1)  # the weights and .gitattributes
    assert not scaled_hub.blobs.objects.exists(xorb_key(built.hex)) and not scaled_hub.blobs.exists(sha256)
