"""Bad input gets a 4xx whose message the client shows, and the repo does not move."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from huggingface_hub.errors import BadRequestError, HfHubHTTPError
from huggingface_hub.utils import get_session, hf_raise_for_status

NDJSON = {"content-type": "application/x-ndjson"}


def ndjson(*lines) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines)


HEADER = {"key": "header", "value": {"summary": "try"}}


def file_line(path: str, content: bytes = b"x") -> dict:
    return {"key": "file", "value": {"path": path, "content": base64.b64encode(content).decode(), "encoding": "base64"}}


@pytest.fixture
def repo(hf):
    hf.upload("alice/m", {"a.txt": b"a", "dir/b.txt": b"b"})
    return hf


BAD_COMMITS = [
    (ndjson(HEADER, b"{not json"), 400, "line 2: not valid JSON"),
    (ndjson(HEADER, {"key": "copyFile", "value": {"path": "x"}}), 400, "unknown key 'copyFile'"),
    (ndjson(HEADER, {"key": "file", "value": {"path": "x"}, "extra": 1}), 400, "unknown field(s) extra"),
    (ndjson(file_line("x.txt")), 400, "first line must be the 'header'"),
    (ndjson({"key": "header", "value": {"summary": ""}}), 400, "non-empty 'summary'"),
    (b"", 400, "empty commit payload"),
    (ndjson(HEADER, {"key": "file", "value": {"path": "x", "content": "***"}}), 400, "not valid base64"),
    (ndjson(HEADER, {"key": "file", "value": {"path": "x", "content": "", "encoding": "utf-8"}}), 400, "encoding"),
    (ndjson(HEADER, file_line("../outside.txt")), 400, "'..' segments are not allowed"),
    (ndjson(HEADER, file_line("/etc/passwd")), 400, "absolute paths are not allowed"),
    (ndjson(HEADER, file_line(".git/config")), 400, "the .git folder is reserved"),
    (ndjson(HEADER, file_line("a.txt/inner")), 400, "cannot be both a file and a folder"),
    (ndjson(HEADER, {"key": "lfsFile", "value": {"path": "w.bin", "algo": "sha256", "oid": "ab" * 32, "size": 3}}),
     400, "was not uploaded to this repo"),
    (ndjson(HEADER, {"key": "lfsFile", "value": {"path": "w.bin", "algo": "md5", "oid": "ab"}}), 400, "sha256"),
    (ndjson(HEADER, {"key": "deletedFile", "value": {"path": "nope.txt"}}), 404, "doesn't exist"),
    (ndjson(HEADER, {"key": "deletedFolder", "value": {"path": "nope/"}}), 404, "doesn't exist"),
]


def test_bad_commits_are_refused_and_change_nothing(repo):
    head = repo.head("alice/m")
    with repo.http() as http:
        for body, status, message in BAD_COMMITS:
            answer = http.post("/api/models/alice/m/commit/main", content=body, headers=NDJSON)
            assert answer.status_code == status, message
            assert message in answer.headers["x-error-message"] and message in answer.json()["error"]
            assert repo.head("alice/m") == head, message


def test_the_client_shows_the_message(repo):
    answer = get_session().post(f"{repo.endpoint}/api/models/alice/m/commit/main",
                                content=ndjson(HEADER, file_line("../x")),
                                headers={**NDJSON, "authorization": f"Bearer {repo.token}"})
    with pytest.raises(BadRequestError, match=r"invalid path '\.\./x'"):
        hf_raise_for_status(answer)


def test_commits_to_unknown_or_read_only_revisions(repo):
    head = repo.head("alice/m")
    repo.api.create_tag("alice/m", tag="v1")
    with repo.http() as http:
        unknown = http.post("/api/models/alice/m/commit/nope", content=ndjson(HEADER, file_line("x")), headers=NDJSON)
        tag = http.post("/api/models/alice/m/commit/v1", content=ndjson(HEADER, file_line("x")), headers=NDJSON)
        stale = http.post("/api/models/alice/m/commit/main", headers=NDJSON, content=ndjson(
            {"key": "header", "value": {"summary": "s", "parentCommit": "0" * 40}}, file_line("x")))
    assert (unknown.status_code, unknown.headers["x-error-code"]) == (404, "RevisionNotFound")
    assert (tag.status_code, tag.headers["x-error-code"]) == (404, "RevisionNotFound")
    assert stale.status_code == 404
    assert repo.head("alice/m") == head


def test_lfs_upload_with_wrong_content_is_refused(repo):
    data = b"\0real content"
    oid = hashlib.sha256(data).hexdigest()
    with repo.http() as http:
        href = http.post("/alice/m.git/info/lfs/objects/batch", json={
            "operation": "upload", "objects": [{"oid": oid, "size": len(data)}]}).json()["objects"][0]["actions"][
            "upload"]["href"]
        swapped = http.put(href, content=b"\0fake content")  # same size, other bytes
        short = http.put(href, content=data[:-1])
        long = http.put(href, content=data + b"!")
        commit = http.post("/api/models/alice/m/commit/main", headers=NDJSON, content=ndjson(HEADER, {
            "key": "lfsFile", "value": {"path": "w.bin", "algo": "sha256", "oid": oid, "size": len(data)}}))
    assert swapped.status_code == 400 and "content hashes to sha256" in swapped.headers["x-error-message"]
    assert short.status_code == 400 and "announced" in short.headers["x-error-message"]
    assert long.status_code == 400
    assert not repo.hub.blobs.exists(oid)
    assert commit.status_code == 400 and "was not uploaded" in commit.json()["error"]


def test_lfs_upload_with_wrong_size_in_commit(repo):
    data = b"\0" * 100
    repo.upload("alice/m", {"w.bin": data})
    head = repo.head("alice/m")
    with repo.http() as http:
        answer = http.post("/api/models/alice/m/commit/main", headers=NDJSON, content=ndjson(HEADER, {
            "key": "lfsFile", "value": {"path": "w2.bin", "oid": hashlib.sha256(data).hexdigest(), "size": 99}}))
    assert answer.status_code == 400 and "does not match" in answer.json()["error"]
    assert repo.head("alice/m") == head


def test_bad_batch_requests(repo):
    with repo.http() as http:
        bad = http.post("/alice/m.git/info/lfs/objects/batch", json={"operation": "upload", "objects": [
            {"oid": "not-a-sha", "size": 1}, {"oid": "ab" * 32, "size": -1}]}).json()["objects"]
        download = http.post("/alice/m.git/info/lfs/objects/batch", json={"operation": "download", "objects": []})
        garbage = http.post("/alice/m.git/info/lfs/objects/batch", content=b"{oops")
    assert [o["error"]["code"] for o in bad] == [422, 422]
    assert "64 lowercase hex" in bad[0]["error"]["message"]
    assert download.status_code == 400 and "upload" in download.json()["error"]
    assert garbage.status_code == 400 and "not valid JSON" in garbage.json()["error"]


def test_oversized_headers_and_bodies(repo, monkeypatch):
    from aicommons.api.hf import commits

    with repo.http() as http:
        huge = http.get("/api/models/alice/m", headers={"x-padding": "a" * 100_000})
        assert huge.status_code == 431 and "over the limit" in huge.json()["error"]
        monkeypatch.setattr(commits, "MAX_COMMIT_BODY", 1000)
        big = http.post("/api/models/alice/m/commit/main", headers=NDJSON,
                        content=ndjson(HEADER, file_line("big.txt", b"x" * 5000)))
    assert big.status_code == 413 and "larger than 1000 bytes" in big.json()["error"]


def test_bad_revisions_and_paths_in_urls(repo):
    with repo.http() as http:
        bad_encoding = http.get("/api/models/alice/m/revision/%FF")
        unknown = http.get("/api/models/alice/m/tree/nope")
        preupload = http.post("/api/models/alice/m/preupload/main", json={"files": [{"path": "a/../b", "size": 1}]})
        bad_sort = http.get("/api/models?sort=random")
    assert bad_encoding.status_code == 400 and "percent-encoding" in bad_encoding.json()["error"]
    assert (unknown.status_code, unknown.headers["x-error-code"]) == (404, "RevisionNotFound")
    assert preupload.status_code == 400 and "'..'" in preupload.json()["error"]
    assert bad_sort.status_code == 400


def test_bad_branch_and_tag_names(repo):
    for create in (lambda: repo.api.create_branch("alice/m", branch="bad..name"),
                   lambda: repo.api.create_tag("alice/m", tag="has space"),
                   lambda: repo.api.create_branch("alice/m", branch="x", revision="nope")):
        with pytest.raises(HfHubHTTPError) as error:
            create()
        assert error.value.response.status_code in (400, 404)
    assert [b.name for b in repo.api.list_repo_refs("alice/m").branches] == ["main"]
