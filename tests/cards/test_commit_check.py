"""The commit path rejects cards with errors (nothing stored), accepts warnings, and the card report shows them."""

import httpx
import pytest

from aicommons.cards.commit_check import InvalidCard
from aicommons.errors import InvalidInput
from aicommons.repos.commit import AddBlob, AddFile, commit, grant_blob
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.repos.reading import snapshot

ME = Signature("alice", "alice@example.org")


@pytest.fixture
def repo(hub, alice):
    return create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/tiny")


def test_a_card_with_errors_rejects_the_commit(hub, repo):
    before = snapshot(hub, repo, None).commit_oid
    bad = b"---\nlicense: [mit]\nbase_model_relation: fork\n---\n"
    with pytest.raises(InvalidCard) as caught:
        commit(hub, repo, [AddFile("README.md", bad), AddFile("weights.bin", b"x")], author=ME, message="bad card")
    assert isinstance(caught.value, InvalidInput) and caught.value.field == "card"
    assert [p["field"] for p in caught.value.problems] == ["license", "base_model_relation"]
    assert "license: must be a string" in caught.value.message
    assert snapshot(hub, repo, None).commit_oid == before


def test_invalid_yaml_and_non_utf8_are_rejected(hub, repo):
    for content, expected in ((b"---\nlicense: [\n---\n", "Invalid YAML"), (b"\xff\xfe---", "not UTF-8")):
        with pytest.raises(InvalidCard, match=expected):
            commit(hub, repo, [AddFile("README.md", content)], author=ME, message="bad")


def test_a_card_uploaded_as_lfs_is_checked_too(hub, repo):
    blob = hub.blobs.ingest_bytes(b"---\ntags: 3\n---\n")
    with hub.db.write() as session:
        grant_blob(session, repo.id, blob.sha256, blob.size, blob.git_oid)
    with pytest.raises(InvalidCard, match="tags"):
        commit(hub, repo, [AddBlob("README.md", blob.sha256, blob.size)], author=ME, message="bad")


def test_warnings_do_not_block(hub, repo):
    commit(hub, repo, [AddFile("README.md", b"---\nlicense: my-own\nlanguage: xx\n---\n")], author=ME, message="ok")
    assert "README.md" in snapshot(hub, repo, None).files


def test_card_report_lists_warnings_and_missing_repos(server, alice):
    hub = server.hub
    repo = create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/reported")
    create_repo(hub, alice.principal(hub), RepoType.DATASET, "alice/data")
    card = b"---\nlicense: my-own\nlanguage: [en, xx]\nbase_model: nobody/base\ndatasets: [alice/data, x/gone]\n---\n"
    commit(hub, repo, [AddFile("README.md", card)], author=ME, message="card")
    answer = httpx.get(f"{server.url}/api/models/alice/reported/card-report").json()
    assert [(w["field"], w["message"]) for w in answer["warnings"]] == [
        ("license", answer["warnings"][0]["message"]),
        ("language[1]", "'xx' is not an ISO 639-1, 639-2 or 639-3 language code"),
        ("base_model", "nobody/base is not a model on this hub (shown as an external base)"),
        ("datasets", "x/gone is not a dataset on this hub")]
    assert answer["error"] is None and answer["has_card"] is True
    assert httpx.get(f"{server.url}/api/datasets/alice/data/card-report").json()["has_card"] is False
