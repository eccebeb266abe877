"""Webhooks through the real huggingface_hub client (cases 24-25), delivered by the live server's job thread
to a receiver on 127.0.0.1 that checks the secret and the HMAC-SHA256 signature."""

from __future__ import annotations

import time

import pytest
from huggingface_hub import CommitOperationAdd, WebhookPayload
from huggingface_hub.errors import BadRequestError, HfHubHTTPError

from tests.community.client import api, http, publish
from tests.community.receiver import Receiver, allow_private_targets

SECRET = "webhook-secret"


def wait_for(receiver: Receiver, count: int, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(receiver.received)


def test_manage_webhooks(server, alice, bob):
    hf = api(server, alice)
    hook = hf.create_webhook(url="https://example.org/hook", watched=[{"type": "user", "name": "alice"}],
                             secret=SECRET)
    assert hook.domains == ["repo", "discussion"] and not hook.disabled and hook.secret == SECRET
    with http(server, alice) as client:
        assert isinstance(client.get("/api/settings/webhooks").json(), list)  # a bare array
    assert [h.id for h in hf.list_webhooks()] == [hook.id]
    updated = hf.update_webhook(hook.id, url="https://example.org/other")
    assert updated.url == "https://example.org/other" and [w.name for w in updated.watched] == ["alice"]
    assert hf.disable_webhook(hook.id).disabled and not hf.enable_webhook(hook.id).disabled
    with pytest.raises(HfHubHTTPError) as foreign:
        api(server, bob).get_webhook(hook.id)
    assert foreign.value.response.status_code == 404
    with pytest.raises(BadRequestError):
        hf.create_webhook(job_id="some-job", watched=[{"type": "user", "name": "alice"}])
    hf.delete_webhook(hook.id)
    with pytest.raises(HfHubHTTPError) as gone:
        hf.get_webhook(hook.id)
    assert gone.value.response.status_code == 404


def test_deliveries(server, alice, bob):
    hf, as_bob = api(server, alice), api(server, bob)
    publish(hf, "alice/model", {"README.md": b"# model\n"})
    allow_private_targets(server.hub)
    with Receiver(SECRET) as receiver:
        hook = hf.create_webhook(url=receiver.url, watched=[{"type": "model", "name": "alice/model"}], secret=SECRET)
        commit = hf.upload_file(path_or_fileobj=b"a", path_in_repo="a.txt", repo_id="alice/model")
        [pushed] = [WebhookPayload.model_validate(p) for p in wait_for(receiver, 1)]
        assert (pushed.event.scope, pushed.event.action, pushed.webhook.id) == ("repo.content", "update", hook.id)
        assert pushed.updatedRefs[0].newSha == commit.oid and pushed.repo.url.web.endswith("/alice/model")

        receiver.received.clear()
        as_bob.create_discussion("alice/model", "A question", description="Why?")
        hf.comment_discussion("alice/model", 1, "Because.")
        scopes = sorted(p["event"]["scope"] for p in wait_for(receiver, 2))
        assert scopes == ["discussion", "discussion.comment"]  # the opening comment rides on the first

        receiver.received.clear()
        pr = hf.create_commit("alice/model", [CommitOperationAdd("b.txt", b"b")], commit_message="Add b",
                              create_pr=True)
        hf.merge_pull_request("alice/model", pr.pr_num)
        payloads = [WebhookPayload.model_validate(p) for p in wait_for(receiver, 4)]
        merged = [p for p in payloads if p.event.scope == "discussion" and p.event.action == "update"]
        assert merged and merged[0].discussion.status == "merged" and merged[0].discussion.changes.mergeCommitId
        assert receiver.refused == []
        with http(server, alice) as client:
            log = client.get(f"/api/settings/webhooks/{hook.id}/deliveries").json()
        assert len(log) == 7 and all(entry["status"] == "delivered" for entry in log)
