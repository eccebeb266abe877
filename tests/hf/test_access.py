"""Private repos are invisible (404 RepoNotFound) on every route to anyone without access; tokens decide
who writes; gated repos answer GatedRepo (case 10)."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from aicommons.errors import GatedRepo

ROUTES = [
    ("GET", "/api/models/alice/secret", None),
    ("GET", "/api/models/alice/secret/revision/main", None),
    ("GET", "/api/models/alice/secret/tree/main?recursive=true", None),
    ("GET", "/api/models/alice/secret/refs", None),
    ("GET", "/api/models/alice/secret/commits/main", None),
    ("POST", "/api/models/alice/secret/paths-info/main", {"data": {"paths": ["a.txt"]}}),
    ("HEAD", "/alice/secret/resolve/main/a.txt", None),
    ("GET", "/alice/secret/resolve/main/a.txt", None),
    ("GET", "/ALICE/Secret/resolve/main/a.txt", None),
    ("POST", "/api/models/alice/secret/preupload/main", {"json": {"files": []}}),
    ("POST", "/api/models/alice/secret/commit/main", {"content": b'{"key":"header","value":{"summary":"x"}}'}),
    ("POST", "/api/models/alice/secret/branch/dev", {"json": {}}),
    ("DELETE", "/api/models/alice/secret/branch/main", None),
    ("POST", "/api/models/alice/secret/tag/main", {"json": {"tag": "v1"}}),
    ("DELETE", "/api/models/alice/secret/tag/v1", None),
    ("PUT", "/api/models/alice/secret/settings", {"json": {"private": False}}),
    ("POST", "/alice/secret.git/info/lfs/objects/batch", {"json": {"operation": "upload", "objects": []}}),
    ("POST", "/alice/secret.git/info/lfs/objects/verify", {"json": {"oid": "ab" * 32, "size": 1}}),
    ("DELETE", "/api/repos/delete", {"json": {"name": "secret", "organization": "alice"}}),
]


@pytest.fixture
def secret(hf):
    hf.api.create_repo("alice/secret", private=True)
    hf.upload("alice/secret", {"a.txt": b"secret"})
    return hf


def test_private_repo_is_invisible_on_every_route(secret, server, bob):
    head = secret.head("alice/secret")
    for token in (None, bob.token, bob.read_token):
        with secret.http(token=token) as http:
            for number, (method, url, body) in enumerate(ROUTES):
                answer = http.request(method, url, **(body or {}))
                # exactly what a repo that does not exist gets: anonymous writers are told to sign in first
                absent = http.request(method, url.replace("secret", "nothing"), **(body or {}))
                assert answer.status_code == absent.status_code, (token, method, url)
                assert answer.headers.get("x-error-code") == absent.headers.get("x-error-code"), (method, url)
                if token is not None or number < 9:
                    assert (answer.status_code, answer.headers["x-error-code"]) == (404, "RepoNotFound"), url
            assert "alice/secret" not in http.get("/api/models?search=secret").text
    assert secret.head("alice/secret") == head
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("alice/secret", "a.txt", endpoint=server.url, token=bob.token, cache_dir=secret.cache)
    assert not HfApi(endpoint=server.url, token=bob.token).repo_exists("alice/secret")


def test_owner_sees_and_read_tokens_only_read(secret, server, alice):
    with secret.http() as http:
        for method, url, body in ROUTES[:9]:
            assert http.request(method, url, **(body or {})).status_code in (200, 307), url
    reader = HfApi(endpoint=server.url, token=alice.read_token)
    assert reader.model_info("alice/secret").private is True
    assert [m.id for m in reader.list_models(author="alice")] == ["alice/secret"]
    head = secret.head("alice/secret")
    with pytest.raises(HfHubHTTPError) as error:
        reader.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/secret")
    assert error.value.response.status_code == 403 and "read token" in str(error.value)
    assert secret.head("alice/secret") == head


def test_public_repo_refuses_writes_from_others(hf, server, bob):
    hf.upload("alice/open", {"a.txt": b"a"})
    head = hf.head("alice/open")
    as_bob = HfApi(endpoint=server.url, token=bob.token)
    assert as_bob.model_info("alice/open").id == "alice/open"
    for write in (lambda: as_bob.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/open"),
                  lambda: as_bob.create_branch("alice/open", branch="dev"),
                  lambda: as_bob.delete_repo("alice/open"),
                  lambda: as_bob.update_repo_settings("alice/open", private=True),
                  lambda: as_bob.create_repo("alice/by-bob")):
        with pytest.raises(HfHubHTTPError) as error:
            write()
        assert error.value.response.status_code == 403
    with hf.http(token=None) as anonymous:
        answer = anonymous.post("/api/models/alice/open/commit/main", content=b"")
    assert answer.status_code == 401
    assert hf.head("alice/open") == head


def test_gated_repo(hf, server, bob):  # case 10: gating rules come from elsewhere; the protocol answer is here
    hf.upload("alice/gated", {"config.json": b"{}"})

    def only_the_owner(hub, principal, repo, path):
        if repo.repo_id == "alice/gated" and principal.name != "alice":
            raise GatedRepo(f"Access to {repo.repo_id} is restricted: ask for access on its page",
                            authenticated=not principal.anonymous)

    server.hub.download_checks.append(only_the_owner)
    as_bob = HfApi(endpoint=server.url, token=bob.token)
    with pytest.raises(GatedRepoError):
        hf_hub_download("alice/gated", "config.json", endpoint=server.url, token=bob.token, cache_dir=hf.cache)
    with pytest.raises(GatedRepoError):
        as_bob.file_exists("alice/gated", "config.json")
    with hf.http(token=None) as anonymous:
        answer = anonymous.head("/alice/gated/resolve/main/config.json")
    assert (answer.status_code, answer.headers["x-error-code"]) == (401, "GatedRepo")
    with hf.http(token=bob.token) as http:
        assert http.head("/alice/gated/resolve/main/config.json").status_code == 403
    assert as_bob.model_info("alice/gated").id == "alice/gated"  # the card stays visible
    assert hf.api.file_exists("alice/gated", "config.json")
