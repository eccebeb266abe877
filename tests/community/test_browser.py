"""The main community flows in Debian's chromium: a pull request proposed by one user and merged by the
repo's owner, and access to a gated repo requested by one user and granted by the owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicommons.community import gating
from aicommons.community.repo_settings import update_settings
from aicommons.repos.reading import read_text, snapshot
from aicommons.web.session import COOKIE_NAME
from tests.community.helpers import new_repo
from tests.community.pages import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

CARD = "---\nlicense: mit\n---\n# Tiny model\n\nTrained on a laptop.\n"
GATED_CARD = ("---\nlicense: mit\nextra_gated_prompt: Tell us who you are.\nextra_gated_fields:\n"
              "  Company: text\n  Use:\n    type: select\n    options: [Research, Teaching]\n"
              "  I accept the licence: checkbox\n---\n# Gated model\n")


@pytest.fixture
def tab_for(browser, server):
    """A browser tab signed in as a user (the session cookie the sign-in form would have set)."""
    contexts = []

    def open_tab(user):
        context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": COOKIE_NAME, "value": session_cookie(server.hub, user), "url": server.url}])
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"community-{name}.png"), full_page=True)


def test_open_and_merge_a_pull_request(tab_for, server, alice, bob):
    repo = new_repo(server.hub, alice, "alice/tiny", {"README.md": CARD.encode()})
    as_bob = tab_for(bob)
    as_bob.goto("/alice/tiny")
    as_bob.get_by_role("link", name="Propose a card change").click()
    as_bob.get_by_label("README.md").fill(CARD + "\nEvaluated on the standard library's own source.\n")
    as_bob.get_by_label("Summary").fill("Say what it was evaluated on")
    as_bob.get_by_role("button", name="Open a pull request").click()
    assert as_bob.get_by_role("status").inner_text().startswith("Pull request opened")
    assert as_bob.get_by_role("heading", name="Say what it was evaluated on").is_visible()
    shot(as_bob, "pull-request-opened")

    as_alice = tab_for(alice)
    as_alice.goto("/alice/tiny")
    as_alice.get_by_role("link", name="Community").click()
    as_alice.get_by_role("link", name="Say what it was evaluated on").click()
    diff = as_alice.get_by_role("region", name="modified: README.md")
    assert "Evaluated on the standard library" in diff.inner_text()
    assert as_alice.get_by_role("link", name="Say what it was evaluated on").count() == 1  # the commit is listed
    as_alice.get_by_label("Comment").fill("Thanks, merging.")
    as_alice.get_by_role("button", name="Comment").click()
    shot(as_alice, "pull-request-review")
    as_alice.get_by_role("button", name="Merge into main").click()
    assert as_alice.get_by_role("status").inner_text() == "Pull request merged."
    assert as_alice.locator(".thread-head .badge").first.inner_text() == "merged"
    assert "standard library" in read_text(server.hub, snapshot(server.hub, repo, "main"), "README.md")


def test_request_and_grant_access_to_a_gated_repo(tab_for, server, alice, bob):
    repo = new_repo(server.hub, alice, "alice/gated", {"README.md": GATED_CARD.encode(), "model.bin": b"weights"})
    as_alice = tab_for(alice)
    as_alice.goto("/alice/gated/settings/access")
    as_alice.get_by_label("Users whose request a maintainer accepts").check()
    as_alice.get_by_role("button", name="Save").click()
    assert gating.gate_mode(server.hub, repo) == "manual"

    as_bob = tab_for(bob)
    as_bob.goto("/alice/gated/blob/main/model.bin")  # the file sends bob to the request form
    assert as_bob.url.endswith("/alice/gated/gate")
    assert as_bob.get_by_text("Tell us who you are.").is_visible()
    as_bob.get_by_label("Company").fill("Acme Research")
    as_bob.get_by_label("Use").select_option("Teaching")
    as_bob.get_by_label("I accept the licence").check()
    shot(as_bob, "gate-form")
    as_bob.get_by_role("button", name="Agree and access repository").click()
    assert as_bob.get_by_role("status").first.inner_text() == "Access requested."

    as_alice.goto("/alice/gated/settings/access")
    assert as_alice.get_by_text("Acme Research").is_visible()
    shot(as_alice, "access-requests")
    as_alice.get_by_role("button", name="Accept bob").click()
    assert as_alice.get_by_role("status").first.inner_text() == "Access updated."

    as_bob.goto("/alice/gated/blob/main/model.bin")
    assert as_bob.url.endswith("/alice/gated/blob/main/model.bin")
    update_settings(server.hub, alice.principal(server.hub), repo, gated=False)
