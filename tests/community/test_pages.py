"""The community pages over HTTP: what each viewer sees, and forms that change things through the core."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from aicommons.api.app import create_app
from aicommons.community import discussions, gating, likes, webhooks
from aicommons.community.repo_settings import update_settings
from aicommons.repos.commit import AddFile, commit
from tests.community.helpers import new_repo, signature
from tests.community.pages import post_form, sign_in
from tests.community.receiver import allow_private_targets

CARD = b"---\nlicense: mit\nextra_gated_fields:\n  Company: text\n  I agree: checkbox\n---\n# A model\n"


@pytest.fixture
def app(hub):
    return create_app(hub)


def browser(app, hub, user=None) -> TestClient:
    client = TestClient(app)
    return sign_in(client, hub, user) if user else client


def test_discussion_pages(app, hub, alice, bob):
    new_repo(hub, alice, "alice/model", {"README.md": CARD, "notes.txt": b"one\n"})
    as_bob = browser(app, hub, bob)
    answer = post_form(as_bob, "/alice/model/discussions/new", "/alice/model/discussions/new",
                       {"title": "Where is the data?", "description": "Please **link** it."})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/alice/model/discussions/1")
    thread = as_bob.get("/alice/model/discussions/1")
    assert "Where is the data?" in thread.text and "<strong>link</strong>" in thread.text
    post_form(as_bob, "/alice/model/discussions/1", "/alice/model/discussions/1/comment", {"comment": "Anyone?"})
    listing = browser(app, hub).get("/alice/model/discussions")
    assert listing.status_code == 200 and "Where is the data?" in listing.text
    bad = post_form(as_bob, "/alice/model/discussions/new", "/alice/model/discussions/new", {"title": "x"})
    assert bad.status_code == 400 and "3 to 200 characters" in bad.text

    report = post_form(as_bob, "/alice/model/discussions/new?report=license", "/alice/model/discussions/new",
                       {"report": "license", "title": "No licence file", "description": "The card says MIT only.",
                        "path": "notes.txt"})
    assert report.status_code == 303
    queue = browser(app, hub, alice).get("/reports")
    assert "No licence file" in queue.text and "notes.txt" in queue.text
    assert "No licence file" not in as_bob.get("/reports").text  # bob maintains nothing here


def test_pull_request_page_and_merge(app, hub, alice, bob):
    repo = new_repo(hub, alice, "alice/model", {"notes.txt": b"one\n"})
    pr = commit(hub, repo, [AddFile("notes.txt", b"one\ntwo\n")], author=signature(bob), message="Second line",
                create_pr=True)
    as_alice = browser(app, hub, alice)
    page = as_alice.get(f"/alice/model/discussions/{pr.pr_number}")
    assert "Second line" in page.text and "two" in page.text and "Merge into main" in page.text
    assert "Merge into main" not in browser(app, hub, bob).get(f"/alice/model/discussions/{pr.pr_number}").text
    merged = post_form(as_alice, f"/alice/model/discussions/{pr.pr_number}",
                       f"/alice/model/discussions/{pr.pr_number}/merge", {})
    assert merged.status_code == 303
    assert discussions.get_discussion(hub, alice.principal(hub), repo, pr.pr_number).status == "merged"


def test_gate_pages(app, hub, alice, bob):
    repo = new_repo(hub, alice, "alice/gated", {"README.md": CARD, "model.bin": b"weights"})
    update_settings(hub, alice.principal(hub), repo, gated="manual")
    as_bob = browser(app, hub, bob)
    blob = as_bob.get("/alice/gated/blob/main/model.bin", follow_redirects=False)
    assert blob.status_code == 303 and blob.headers["location"] == "/alice/gated/gate"
    assert as_bob.get("/alice/gated/blob/main/README.md").status_code == 200  # the card stays visible
    form = as_bob.get("/alice/gated/gate")
    assert "Company" in form.text and "I agree" in form.text
    missing = post_form(as_bob, "/alice/gated/gate", "/alice/gated/gate", {"Company": "Acme"})
    assert missing.status_code == 400 and "tick" in missing.text
    asked = post_form(as_bob, "/alice/gated/gate", "/alice/gated/gate", {"Company": "Acme", "I agree": "on"})
    assert asked.status_code == 303 and gating.my_request(hub, bob.principal(hub), repo).status == "pending"

    as_alice = browser(app, hub, alice)
    assert "Acme" in as_alice.get("/alice/gated/settings/access").text
    assert as_bob.get("/alice/gated/settings/access").status_code == 403
    post_form(as_alice, "/alice/gated/settings/access", "/alice/gated/settings/access/handle",
              {"user": "bob", "status": "accepted"})
    assert as_bob.get("/alice/gated/blob/main/model.bin").status_code == 200
    post_form(as_alice, "/alice/gated/settings/access", "/alice/gated/settings/access/mode",
              {"gated": "off", "discussions": ""})
    assert gating.gate_mode(hub, repo) is None


def test_likes_collections_account_and_webhooks(app, hub, alice, bob):
    new_repo(hub, alice, "alice/model")
    new_repo(hub, alice, "alice/secret", private=True)
    as_alice = browser(app, hub, alice)
    post_form(as_alice, "/alice/model", "/alice/model/like", {})
    assert likes.likes(hub, alice.principal(hub), new_repo_of(hub, "alice/model"))
    made = post_form(as_alice, "/collections/new", "/collections/new", {"title": "Picks", "namespace": "alice"})
    slug = made.headers["location"].split("/collections/", 1)[1].split("?")[0]
    post_form(as_alice, "/alice/model/collect", "/alice/model/collect", {"collection": slug, "note": "Good one"})
    post_form(as_alice, "/alice/secret/collect", "/alice/secret/collect", {"collection": slug})
    shown = browser(app, hub, bob).get(f"/collections/{slug}")
    assert "alice/model" in shown.text and "Good one" in shown.text and "alice/secret" not in shown.text
    account = browser(app, hub, bob).get("/alice")
    assert "Picks" in account.text and "alice/model" in account.text

    allow_private_targets(hub)
    created = post_form(as_alice, "/settings/webhooks", "/settings/webhooks",
                        {"url": "http://127.0.0.1:9/hook", "watched": "model:alice/model", "repo_events": "on",
                         "secret": "s"})
    assert created.status_code == 303
    [hook] = webhooks.list_webhooks(hub, alice.principal(hub))
    assert hook.domains == ("repo",) and hook.watched == (("model", "alice/model"),)
    assert "Nothing delivered yet" in as_alice.get(f"/settings/webhooks/{hook.id}").text
    bad = post_form(as_alice, "/settings/webhooks", "/settings/webhooks", {"url": "x", "watched": "alice"})
    assert bad.status_code == 400
    assert browser(app, hub, bob).get(f"/settings/webhooks/{hook.id}").status_code == 404


def new_repo_of(hub, repo_id):
    from aicommons.repos.manage import find_repo

    return find_repo(hub, "model", repo_id)


def test_moving_a_repo_from_its_settings_keeps_the_old_address(app, hub, alice):
    new_repo(hub, alice, "alice/old")
    as_alice = browser(app, hub, alice)
    moved = post_form(as_alice, "/alice/old/settings", "/alice/old/settings/move", {"target": "alice/new"})
    assert moved.status_code == 303 and moved.headers["location"].startswith("/alice/new/settings")
    old = as_alice.get("/alice/old/tree/main", follow_redirects=False)
    assert (old.status_code, old.headers["location"]) == (307, "/alice/new/tree/main")
    clash = post_form(as_alice, "/alice/new/settings", "/alice/new/settings/move", {"target": "bob-and/x/y"})
    assert clash.status_code == 400
