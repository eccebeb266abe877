"""Gated repos in the core: the gate form from the card, requests in auto and manual mode, decisions."""

from __future__ import annotations

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.community import discussions, gating
from aicommons.community.repo_settings import update_settings
from aicommons.errors import Forbidden, GatedRepo, InvalidInput, NotFound
from tests.community.helpers import new_repo

CARD = b"""---
license: other
extra_gated_heading: Share your details
extra_gated_prompt: We review every request.
extra_gated_fields:
  Company: text
  Country: country
  Start date: date_picker
  Use:
    type: select
    options: [Research, {label: Teaching, value: teaching}]
  I accept the licence: checkbox
---
# Gated model
"""
ANSWERS = {"Company": "Acme", "Country": "France", "Start date": "2025-01-31", "Use": "teaching",
           "I accept the licence": True}


@pytest.fixture
def repo(hub, alice):
    repo = new_repo(hub, alice, "alice/gated", {"README.md": CARD, "model.bin": b"weights"})
    update_settings(hub, alice.principal(hub), repo, gated="manual")
    return repo


def test_form_comes_from_the_card(hub, repo):
    form = gating.gate_form(hub, repo)
    assert form.heading == "Share your details" and form.prompt == "We review every request." and not form.problem
    assert [(f.name, f.type) for f in form.fields] == [("Company", "text"), ("Country", "country"),
                                                       ("Start date", "date_picker"), ("Use", "select"),
                                                       ("I accept the licence", "checkbox")]
    assert form.fields[3].options == (("Research", "Research"), ("teaching", "Teaching"))
    for broken in ({**ANSWERS, "Use": "Fun"}, {**ANSWERS, "I accept the licence": False},
                   {**ANSWERS, "Start date": "31/01/2025"}, {k: v for k, v in ANSWERS.items() if k != "Company"}):
        with pytest.raises(InvalidInput):
            gating.check_answers(form, broken)


def test_manual_requests_accept_reject_cancel_grant(hub, alice, bob, carol, repo):
    as_alice, as_bob = alice.principal(hub), bob.principal(hub)
    with pytest.raises(GatedRepo) as anonymous:
        gating.check_file_access(hub, ANONYMOUS, repo, "model.bin")
    assert anonymous.value.authenticated is False
    gating.check_file_access(hub, ANONYMOUS, repo, "README.md")  # the card stays readable
    gating.check_file_access(hub, as_alice, repo, "model.bin")  # maintainers are never gated
    with pytest.raises(GatedRepo) as signed_in:
        discussions.list_discussions(hub, as_bob, repo)  # the community tab is behind the gate too
    assert signed_in.value.authenticated and "ask for access" in signed_in.value.message

    assert gating.ask_access(hub, as_bob, repo, ANSWERS) == "pending"
    pending = gating.list_requests(hub, as_alice, repo, "pending")
    assert [(r.user, r.email, r.fields["Use"]) for r in pending] == [("bob", "bob@example.org", "teaching")]
    with pytest.raises(Forbidden):
        gating.list_requests(hub, as_bob, repo, "pending")
    gating.handle_request(hub, as_alice, repo, "accepted", request_id=pending[0].id.upper())
    gating.check_file_access(hub, as_bob, repo, "model.bin")
    with pytest.raises(NotFound):  # already accepted
        gating.handle_request(hub, as_alice, repo, "accepted", user="bob")
    gating.handle_request(hub, as_alice, repo, "pending", user="bob")  # cancel: access is gone
    assert not gating.has_access(hub, as_bob, repo)
    gating.handle_request(hub, as_alice, repo, "rejected", user="bob", rejection_reason="Not for now")
    assert gating.my_request(hub, as_bob, repo).rejection_reason == "Not for now"
    with pytest.raises(Forbidden):  # rejected users cannot ask again
        gating.ask_access(hub, as_bob, repo, ANSWERS)

    granted = gating.grant_access(hub, as_alice, repo, "carol")
    assert granted.status == "accepted" and granted.email is None
    with pytest.raises(InvalidInput):
        gating.grant_access(hub, as_alice, repo, "carol")
    with pytest.raises(NotFound):
        gating.grant_access(hub, as_alice, repo, "nobody")
    assert [r.user for r in gating.list_requests(hub, as_alice, repo, "accepted")] == ["carol"]
    assert [r.user for r in gating.list_requests(hub, as_alice, repo, "rejected")] == ["bob"]


def test_auto_mode_and_ungated(hub, alice, bob, repo):
    as_alice, as_bob = alice.principal(hub), bob.principal(hub)
    update_settings(hub, as_alice, repo, gated="auto")
    assert gating.ask_access(hub, as_bob, repo, ANSWERS) == "accepted"
    assert gating.list_requests(hub, as_alice, repo, "pending") == []
    update_settings(hub, as_alice, repo, gated=False)
    with pytest.raises(InvalidInput):
        gating.list_requests(hub, as_alice, repo, "accepted")
    with pytest.raises(InvalidInput):
        update_settings(hub, as_alice, repo, gated="sometimes")
