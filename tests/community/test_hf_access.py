"""Gated repos, settings and moves through the real huggingface_hub client (reference cases 14-20)."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import BadRequestError, GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from tests.community.client import api, http, publish
from tests.community.conftest import quick_user

CARD = b"---\nlicense: mit\nextra_gated_fields:\n  Company: text\n  I agree: checkbox\n---\n# Gated\n"


def test_gated_repo(server, alice, bob, carol, tmp_path):
    hf, as_bob, as_carol = api(server, alice), api(server, bob), api(server, carol)
    publish(hf, "alice/gated", {"README.md": CARD, "model.bin": b"weights"})
    hf.update_repo_settings("alice/gated", gated="manual")
    assert as_bob.model_info("alice/gated").gated == "manual" and as_bob.repo_exists("alice/gated")

    with http(server) as anonymous:
        answer = anonymous.head("/alice/gated/resolve/main/model.bin")
        assert (answer.status_code, answer.headers["x-error-code"]) == (401, "GatedRepo")
        assert anonymous.get("/alice/gated/resolve/main/README.md").status_code == 200  # the card stays visible
    with http(server, bob) as as_bob_http:
        answer = as_bob_http.head("/alice/gated/resolve/main/model.bin")
        assert (answer.status_code, answer.headers["x-error-code"]) == (403, "GatedRepo")
        assert "you are not in the authorized list" in answer.headers["x-error-message"]
    with pytest.raises(GatedRepoError):
        hf_hub_download("alice/gated", "model.bin", endpoint=server.url, token=bob.token, cache_dir=tmp_path)
    with pytest.raises(GatedRepoError):
        as_bob.file_exists("alice/gated", "model.bin")
    with pytest.raises(GatedRepoError):
        as_bob.auth_check("alice/gated")
    hf.auth_check("alice/gated")  # the owner is never gated

    with http(server, bob) as as_bob_http:
        asked = as_bob_http.post("/alice/gated/ask-access", json={"Company": "Acme", "I agree": True})
        assert asked.json() == {"status": "pending"}
        assert as_bob_http.post("/alice/gated/ask-access", json={"Company": "Acme"}).status_code == 400
    [pending] = list(hf.list_pending_access_requests("alice/gated"))
    assert (pending.username, pending.email, pending.fields) == ("bob", "bob@example.org",
                                                                 {"Company": "Acme", "I agree": True})
    with pytest.raises(HfHubHTTPError) as read_only:
        list(HfApi(endpoint=server.url, token=alice.read_token).list_pending_access_requests("alice/gated"))
    assert read_only.value.response.status_code == 403

    with http(server, alice) as client:  # the client shows no request ids; the listing carries them
        [raw] = client.get("/api/models/alice/gated/user-access-request/pending").json()
    hf.accept_access_request("alice/gated", request_id=raw["requestId"])
    assert [r.username for r in hf.list_accepted_access_requests("alice/gated")] == ["bob"]
    path = hf_hub_download("alice/gated", "model.bin", endpoint=server.url, token=bob.token, cache_dir=tmp_path)
    assert open(path, "rb").read() == b"weights"
    with pytest.raises(HfHubHTTPError) as twice:
        hf.accept_access_request("alice/gated", "bob")
    assert twice.value.response.status_code == 404
    hf.cancel_access_request("alice/gated", "bob")
    assert [r.username for r in hf.list_pending_access_requests("alice/gated")] == ["bob"]
    with pytest.raises(GatedRepoError):
        as_bob.auth_check("alice/gated")
    hf.reject_access_request("alice/gated", "bob", rejection_reason=None)
    assert [r.username for r in hf.list_rejected_access_requests("alice/gated")] == ["bob"]

    hf.grant_access("alice/gated", "carol")
    [granted] = list(hf.list_accepted_access_requests("alice/gated"))
    assert (granted.username, granted.email) == ("carol", None)
    as_carol.auth_check("alice/gated")
    with pytest.raises(BadRequestError):
        hf.grant_access("alice/gated", "carol")
    with pytest.raises(HfHubHTTPError) as unknown:
        hf.grant_access("alice/gated", "nobody")
    assert unknown.value.response.status_code == 404

    publish(hf, "alice/open", {"a.txt": b"a"})
    with pytest.raises(BadRequestError):
        list(hf.list_pending_access_requests("alice/open"))
    hf.update_repo_settings("alice/gated", gated="auto")
    with http(server, quick_user(server.hub, "dave")) as as_dave:  # auto mode accepts at once
        assert as_dave.post("/alice/gated/ask-access", json={"Company": "X", "I agree": True}).json() == \
            {"status": "accepted"}


def test_settings_round_trip(server, alice, bob):
    hf = api(server, alice)
    publish(hf, "alice/model", {"a.txt": b"a"})
    publish(hf, "alice/data", {"a.csv": b"x\n1\n"}, repo_type="dataset")
    for gated, private in (("auto", True), ("manual", False), (False, True), (False, False)):
        hf.update_repo_settings("alice/model", gated=gated, private=private)
        info = hf.model_info("alice/model")
        assert (info.gated, info.private) == (gated, private)
    hf.update_repo_settings("alice/data", gated="manual", repo_type="dataset")
    assert hf.dataset_info("alice/data").gated == "manual"
    assert [d.id for d in hf.list_datasets(gated=True)] == ["alice/data"] and list(hf.list_datasets(gated=False)) == []
    assert [m.id for m in hf.list_models(gated=False)] == ["alice/model"]
    with http(server, alice) as client:
        assert client.put("/api/models/alice/model/settings", json={"private": True}).status_code == 200  # legacy
        assert hf.model_info("alice/model").private
        assert client.put("/api/models/alice/model/settings", json={"visibility": "protected"}).status_code == 400
        assert client.put("/api/models/alice/model/settings", json={"discussionsDisabled": True}).status_code == 200
    assert hf.model_info("alice/model").discussionsDisabled is True
    with pytest.raises(HfHubHTTPError) as blocked:
        api(server, bob).create_discussion("alice/model", "Hello there")  # private: bob cannot see it at all
    assert blocked.value.response.status_code == 404
    hf.update_repo_settings("alice/model", private=False)
    with pytest.raises(HfHubHTTPError) as disabled:
        api(server, bob).create_discussion("alice/model", "Hello there")
    assert disabled.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as not_admin:
        api(server, bob).update_repo_settings("alice/model", gated="auto")
    assert not_admin.value.response.status_code == 403


def test_move_and_redirects(server, alice, tmp_path):
    hf = api(server, alice)
    publish(hf, "alice/old", {"config.json": b"{}"}, private=True)
    publish(hf, "alice/taken", {"a.txt": b"a"})
    with pytest.raises(HfHubHTTPError, match="A model repository called alice/taken already exists"):
        hf.move_repo("alice/old", "alice/taken")
    hf.move_repo("alice/old", "alice/new")
    assert hf.model_info("alice/new").id == "alice/new"
    with http(server, alice) as client:
        for path in ("/alice/old/resolve/main/config.json", "/api/models/alice/old/revision/main?expand=sha"):
            answer = client.get(path)
            assert answer.status_code == 307 and answer.headers["location"] == path.replace("alice/old", "alice/new")
    with http(server) as anonymous:  # a private repo's new name is not given away
        assert anonymous.get("/alice/old/resolve/main/config.json").status_code == 404
    # the client follows the redirect with its token: a download through the old id of a private repo works
    path = hf_hub_download("alice/old", "config.json", endpoint=server.url, token=alice.token, cache_dir=tmp_path)
    assert open(path).read() == "{}"
    assert hf.model_info("alice/old").id == "alice/new"
    hf.move_repo("alice/new", "alice/old")  # moving back works
    assert hf.model_info("alice/old").id == "alice/old"
    with pytest.raises(RepositoryNotFoundError):
        hf.model_info("alice/never")
