"""The one write path: operations, validation, conflicts and concurrency."""

import pytest

from aicommons.errors import EntryNotFound, InvalidInput, RevisionNotFound, StaleParent
from aicommons.repos.commit import AddBlob, AddFile, DeleteFile, DeleteFolder, commit, grant_blob
from aicommons.repos.manage import create_branch, create_repo, create_tag
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Commit, Signature
from aicommons.repos.reading import history, snapshot
from aicommons.repos.revisions import resolve
from aicommons.storage.tables import CommitRow
from tests.foundation.concurrency import commit_from_threads

AUTHOR = Signature("alice", "alice@example.org")


@pytest.fixture
def repo(hub, alice):
    return create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/tiny")


def head(hub, repo, rev="main"):
    return snapshot(hub, repo, rev).commit_oid


def files(hub, repo, rev="main"):
    snap = snapshot(hub, repo, rev)
    return {path: hub.blobs.read(entry.sha256) for path, entry in snap.files.items()}


def test_new_repo_starts_with_gitattributes(hub, repo):
    snap = snapshot(hub, repo, "main")
    assert list(snap.files) == [".gitattributes"]
    assert [c.title for c in history(hub, repo, snap.commit_oid)] == ["Add .gitattributes", "initial commit"]


def test_add_replace_and_delete(hub, repo):
    commit(hub, repo, [AddFile("a/x.txt", b"1"), AddFile("a/b/y.txt", b"2"), AddFile("z.txt", b"3")],
           author=AUTHOR, message="add")
    commit(hub, repo, [AddFile("a/x.txt", b"one"), DeleteFile("z.txt")], author=AUTHOR, message="edit")
    assert files(hub, repo) == {".gitattributes": files(hub, repo)[".gitattributes"], "a/x.txt": b"one",
                                "a/b/y.txt": b"2"}
    commit(hub, repo, [DeleteFolder("a/")], author=AUTHOR, message="drop a")
    assert list(files(hub, repo)) == [".gitattributes"]


def test_commit_ids_are_recomputable_from_stored_rows(hub, repo):
    result = commit(hub, repo, [AddFile("x", b"x")], author=AUTHOR, message="m")
    with hub.db.read() as session:
        row = session.get(CommitRow, (repo.id, result.oid))
    again = Commit(row.tree_oid, tuple(row.parents), Signature(row.author_name, row.author_email), row.message,
                   row.created_at)
    assert again.oid == result.oid


def test_content_is_stored_once(hub, repo, alice):
    other = create_repo(hub, alice.principal(hub), RepoType.DATASET, "alice/data")
    commit(hub, repo, [AddFile("a.bin", b"same bytes"), AddFile("b.bin", b"same bytes")], author=AUTHOR, message="m")
    commit(hub, other, [AddFile("c.bin", b"same bytes")], author=AUTHOR, message="m")
    stored = [sha for sha in hub.blobs.all_sha256()]
    assert len(stored) == len(set(stored)) == 2  # .gitattributes and the shared content


def test_lfs_rules_decide_storage(hub, repo):
    commit(hub, repo, [AddFile("w.safetensors", b"text-like"), AddFile("notes.txt", b"plain"),
                       AddFile("bin.dat", b"has\0nul")], author=AUTHOR, message="m")
    snap = snapshot(hub, repo, "main")
    assert snap.files["w.safetensors"].lfs and snap.files["bin.dat"].lfs
    assert not snap.files["notes.txt"].lfs


def test_stale_parent_is_rejected_and_nothing_changes(hub, repo):
    first = head(hub, repo)
    commit(hub, repo, [AddFile("x", b"1")], author=AUTHOR, message="m", parent_commit=first)
    moved = head(hub, repo)
    with pytest.raises(StaleParent):
        commit(hub, repo, [AddFile("y", b"2")], author=AUTHOR, message="m", parent_commit=first)
    assert head(hub, repo) == moved


@pytest.mark.parametrize("op,error", [
    (DeleteFile("missing.txt"), EntryNotFound),
    (DeleteFolder("nope/"), EntryNotFound),
    (AddFile("../escape", b"x"), InvalidInput),
    (AddFile(".git/config", b"x"), InvalidInput),
    (AddBlob("w.bin", "ab" * 32, 10), InvalidInput),  # never uploaded to this repo
    (AddBlob("w.bin", "not-a-sha", 10), InvalidInput),
])
def test_bad_operations_leave_the_repo_unchanged(hub, repo, op, error):
    before = head(hub, repo)
    with pytest.raises(error) as raised:
        commit(hub, repo, [AddFile("ok.txt", b"fine"), op], author=AUTHOR, message="m")
    assert head(hub, repo) == before
    assert op.path.rstrip("/") in raised.value.message or "sha256" in raised.value.message


def test_file_and_folder_clash(hub, repo):
    commit(hub, repo, [AddFile("a", b"file")], author=AUTHOR, message="m")
    with pytest.raises(InvalidInput, match="both a file and a folder"):
        commit(hub, repo, [AddFile("a/b", b"x")], author=AUTHOR, message="m")


def test_uploaded_blob_can_be_committed_and_size_is_checked(hub, repo):
    blob = hub.blobs.ingest([b"x" * 1000], expected_size=1000)
    with hub.db.write() as session:
        grant_blob(session, repo.id, blob.sha256, blob.size, blob.git_oid)
    with pytest.raises(InvalidInput, match="size"):
        commit(hub, repo, [AddBlob("w.bin", blob.sha256, 999)], author=AUTHOR, message="m")
    commit(hub, repo, [AddBlob("w.bin", blob.sha256, 1000)], author=AUTHOR, message="m")
    entry = snapshot(hub, repo, "main").files["w.bin"]
    assert entry.lfs and entry.size == 1000 and entry.sha256 == blob.sha256


def test_commits_only_move_branches(hub, repo):
    create_tag(hub, repo, "v1")
    with pytest.raises(RevisionNotFound):
        commit(hub, repo, [AddFile("x", b"1")], author=AUTHOR, message="m", revision="refs/tags/v1")
    with pytest.raises(RevisionNotFound):
        commit(hub, repo, [AddFile("x", b"1")], author=AUTHOR, message="m", revision="no-such-branch")


def test_branches_tags_prs_and_short_ids(hub, repo):
    base = head(hub, repo)
    create_branch(hub, repo, "dev")
    commit(hub, repo, [AddFile("dev.txt", b"d")], author=AUTHOR, message="on dev", revision="dev")
    assert "dev.txt" not in files(hub, repo) and "dev.txt" in files(hub, repo, "dev")
    pr = commit(hub, repo, [AddFile("pr.txt", b"p")], author=AUTHOR, message="pr", create_pr=True)
    assert pr.ref == "refs/pr/1" and pr.pr_number == 1 and pr.parent == base
    commit(hub, repo, [AddFile("pr2.txt", b"p")], author=AUTHOR, message="more", revision="refs/pr/1")
    assert {"pr.txt", "pr2.txt"} <= set(files(hub, repo, "refs/pr/1"))
    with hub.db.read() as session:
        assert resolve(session, repo.id, pr.oid[:7]).commit_oid == pr.oid
        with pytest.raises(RevisionNotFound):
            resolve(session, repo.id, "ffffffff")


def test_twenty_concurrent_committers_lose_no_update(hub, repo):
    commit_from_threads(hub, repo, {f"t/{n}.txt": str(n).encode() for n in range(20)}, AUTHOR)
    snap = snapshot(hub, repo, "main")
    assert {f"t/{n}.txt" for n in range(20)} <= set(snap.files)
    titles = [c.title for c in history(hub, repo, snap.commit_oid)]
    assert sorted(t for t in titles if t.startswith("add t/")) == sorted(f"add t/{n}.txt" for n in range(20))
