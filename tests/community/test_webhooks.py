"""Webhooks in the core: subscriptions, routing by domain and visibility, signed deliveries, retries, the log."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from huggingface_hub import WebhookPayload

from aicommons.community import discussions as d, pulls, webhook_targets, webhooks
from aicommons.community.repo_settings import update_settings
from aicommons.errors import InvalidInput, NotFound
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo, delete_repo
from aicommons.repos.names import RepoType
from tests.community.helpers import new_repo, signature
from tests.community.receiver import Receiver, allow_private_targets

SECRET = "s3cret-token"


@pytest.fixture
def receiver(hub):
    allow_private_targets(hub)
    with Receiver(SECRET) as running:
        yield running


def test_management(hub, alice, bob):
    as_alice = alice.principal(hub)
    hook = webhooks.create_webhook(hub, as_alice, "https://example.org/hook", [{"type": "user", "name": "alice"}])
    assert hook.domains == ("repo", "discussion") and not hook.disabled and hook.secret is None
    updated = webhooks.update_webhook(hub, as_alice, hook.id, url="https://example.org/new", watched=[])
    assert updated.url == "https://example.org/new" and updated.watched == (("user", "alice"),)
    assert webhooks.set_disabled(hub, as_alice, hook.id, True).disabled
    with pytest.raises(NotFound):  # someone else's webhook does not exist for bob
        webhooks.get_webhook(hub, bob.principal(hub), hook.id)
    for bad in ({"url": "ftp://example.org"}, {"watched": [{"type": "space", "name": "x"}]},
                {"domains": ["everything"]}, {"secret": "sécret"}):
        args = {"url": "https://example.org", "watched": [{"type": "model", "name": "a/b"}], **bad}
        with pytest.raises(InvalidInput):
            webhooks.create_webhook(hub, as_alice, **args)
    webhooks.delete_webhook(hub, as_alice, hook.id)
    assert webhooks.list_webhooks(hub, as_alice) == []


def test_signed_deliveries_for_commits_comments_and_merges(hub, alice, bob, receiver, monkeypatch):
    monkeypatch.setattr("aicommons.jobs.queue.RETRY_BACKOFF", timedelta(0))
    as_alice, as_bob = alice.principal(hub), bob.principal(hub)
    repo = new_repo(hub, alice, "alice/model", {"README.md": b"# model\n"})
    hook = webhooks.create_webhook(hub, as_alice, receiver.url, [{"type": "model", "name": "alice/model"}],
                                   secret=SECRET)
    only_discussions = webhooks.create_webhook(hub, as_bob, receiver.url, [{"type": "user", "name": "alice"}],
                                               domains=["discussion"], secret=SECRET)

    main = commit(hub, repo, [AddFile("a.txt", b"a")], author=signature(alice), message="Add a")
    hub.jobs.drain()
    [pushed] = [WebhookPayload.model_validate(p) for p in receiver.received]
    assert (pushed.event.scope, pushed.event.action, pushed.webhook.id) == ("repo.content", "update", hook.id)
    assert pushed.updatedRefs[0].ref == "refs/heads/main" and pushed.updatedRefs[0].newSha == main.oid
    assert receiver.received[0]["repo"]["headSha"] == main.oid and pushed.repo.name == "alice/model"

    receiver.received.clear()
    opened = d.create_discussion(hub, as_bob, repo, "Question", "How?")
    d.add_comment(hub, as_alice, repo, opened.number, "Like this.")
    hub.jobs.drain()
    events = [(p["webhook"]["id"], p["event"]["scope"], p["event"]["action"]) for p in receiver.received]
    assert sorted(events) == sorted([(h, s, "create") for h in (hook.id, only_discussions.id)
                                     for s in ("discussion", "discussion.comment")])
    comment = next(WebhookPayload.model_validate(p) for p in receiver.received
                   if p["event"]["scope"] == "discussion.comment")
    assert comment.comment.content == "Like this." and comment.discussion.num == opened.number

    receiver.received.clear()
    pr = commit(hub, repo, [AddFile("b.txt", b"b")], author=signature(alice), message="Add b", create_pr=True)
    receiver.fail_next = 1  # the first delivery fails: it is retried
    pulls.merge(hub, as_alice, repo, pr.pr_number, signature(alice))
    hub.jobs.drain()
    merged = [WebhookPayload.model_validate(p) for p in receiver.received
              if p["event"]["scope"] == "discussion" and p["event"]["action"] == "update"]
    assert {m.webhook.id for m in merged} == {hook.id, only_discussions.id}
    assert all(m.discussion.status == "merged" and m.discussion.changes.mergeCommitId for m in merged)
    log = webhooks.deliveries(hub, as_alice, hook.id)
    assert all(entry.status == "delivered" for entry in log)
    assert sorted(entry.attempts for entry in log)[-1] == 2  # the first one failed and was retried
    assert receiver.refused == []


def test_private_events_reach_only_those_who_can_see(hub, alice, bob, receiver):
    repo = new_repo(hub, alice, "alice/model")
    webhooks.create_webhook(hub, alice.principal(hub), receiver.url, [{"type": "user", "name": "alice"}],
                            secret=SECRET)
    webhooks.create_webhook(hub, bob.principal(hub), receiver.url, [{"type": "user", "name": "alice"}],
                            secret=SECRET)
    update_settings(hub, alice.principal(hub), repo, private=True)
    commit(hub, repo, [AddFile("a.txt", b"a")], author=signature(alice), message="Secret change")
    hub.jobs.drain()
    owners = {p["webhook"]["id"]: p for p in receiver.received}
    alice_hook = webhooks.list_webhooks(hub, alice.principal(hub))[0].id
    assert set(owners) == {alice_hook}  # bob's webhook heard nothing of the now-private repo
    scopes = sorted(p["event"]["scope"] for p in receiver.received)
    assert scopes == ["repo.config", "repo.content"]
    config = next(p for p in receiver.received if p["event"]["scope"] == "repo.config")
    assert config["updatedConfig"] == {"private": True}


def test_wrong_secret_is_refused_and_logged(hub, alice, receiver):
    repo = new_repo(hub, alice, "alice/model")
    hook = webhooks.create_webhook(hub, alice.principal(hub), receiver.url, [{"type": "model", "name": "alice/model"}],
                                   secret="not-the-receivers")
    commit(hub, repo, [AddFile("a.txt", b"a")], author=signature(alice), message="change")
    hub.jobs.drain()
    [entry] = webhooks.deliveries(hub, alice.principal(hub), hook.id)
    assert entry.status == "retrying" and entry.response_status == 403 and receiver.refused == ["secret"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.0.0.7/hook",
                                 "http://169.254.169.254/latest/meta-data", "https://[::1]/hook",
                                 "http://[fd00::1]:8080/hook", "http://0.0.0.0/hook"])
def test_private_targets_are_refused_when_saved(hub, alice, url):
    as_alice = alice.principal(hub)
    with pytest.raises(InvalidInput, match="not a public address.*AICOMMONS_WEBHOOK_PRIVATE_TARGETS"):
        webhooks.create_webhook(hub, as_alice, url, [{"type": "user", "name": "alice"}])
    assert webhooks.list_webhooks(hub, as_alice) == []
    hook = webhooks.create_webhook(hub, as_alice, "https://hooks.example.org/x", [{"type": "user", "name": "alice"}])
    with pytest.raises(InvalidInput, match="not a public address"):
        webhooks.update_webhook(hub, as_alice, hook.id, url=url)
    assert webhooks.get_webhook(hub, as_alice, hook.id).url == "https://hooks.example.org/x"


def resolve_as(monkeypatch, names: dict[str, str]) -> None:
    """The hub's own lookup of webhook hosts answers from `names` (the system resolver is left alone)."""
    def lookup(host, port, **_):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
    monkeypatch.setattr(webhook_targets, "getaddrinfo", lookup)


def test_names_that_resolve_to_private_addresses_are_refused_at_delivery(hub, alice, monkeypatch):
    resolve_as(monkeypatch, {"hooks.example.org": "10.1.2.3"})
    repo = new_repo(hub, alice, "alice/model")
    hook = webhooks.create_webhook(hub, alice.principal(hub), "https://hooks.example.org/x",
                                   [{"type": "model", "name": "alice/model"}])
    commit(hub, repo, [AddFile("a.txt", b"a")], author=signature(alice), message="change")
    hub.jobs.drain()
    [entry] = webhooks.deliveries(hub, alice.principal(hub), hook.id)
    assert entry.status == "failed" and entry.attempts == 1  # final: no retries against the same answer
    assert "10.1.2.3, which is not a public address" in entry.error


def test_delivery_connects_to_the_address_that_was_checked(hub, alice, receiver, monkeypatch):
    # "receiver.test" exists only in the hub's checked lookup: the POST reaches the receiver only if it is sent
    # to that address rather than resolved again, with the name kept in the Host header
    resolve_as(monkeypatch, {"receiver.test": "127.0.0.1"})
    repo = new_repo(hub, alice, "alice/model")
    url = receiver.url.replace("127.0.0.1", "receiver.test")
    webhooks.create_webhook(hub, alice.principal(hub), url, [{"type": "model", "name": "alice/model"}], secret=SECRET)
    commit(hub, repo, [AddFile("a.txt", b"a")], author=signature(alice), message="change")
    hub.jobs.drain()
    assert [p["event"]["scope"] for p in receiver.received] == ["repo.content"]
    assert receiver.hosts == [url.split("/")[2]]


def test_repo_creation_and_deletion_are_events(hub, alice, bob, receiver):
    hooks = {who.name: webhooks.create_webhook(hub, who.principal(hub), receiver.url,
                                               [{"type": "user", "name": "alice"}], domains=["repo"], secret=SECRET).id
             for who in (alice, bob)}
    public = create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/open")
    create_repo(hub, alice.principal(hub), RepoType.DATASET, "alice/closed", private=True)
    delete_repo(hub, public)
    hub.jobs.drain()
    heard = {name: sorted((p["event"]["scope"], p["event"]["action"], p["repo"]["name"])
                          for p in receiver.received if p["webhook"]["id"] == hook) for name, hook in hooks.items()}
    public_events = [("repo", "create", "alice/open"), ("repo", "delete", "alice/open"),
                     ("repo.content", "update", "alice/open")]  # the new repo's .gitattributes commit
    assert heard["bob"] == public_events  # nothing of the private dataset
    assert heard["alice"] == sorted([*public_events, ("repo", "create", "alice/closed"),
                                     ("repo.content", "update", "alice/closed")])
