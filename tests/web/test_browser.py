"""End to end in Debian's chromium: what a person does on the hub, and what must never happen."""

from __future__ import annotations

import re

import numpy as np
import pytest
from safetensors.numpy import save
from web_helpers import browser_sign_in, make_repo, screenshot, seed_repos

from aicommons.repos.names import RepoType

pytestmark = pytest.mark.browser
TINY_WEIGHTS = save({"wte": np.zeros((256, 64), np.float32), "head": np.zeros((64, 256), np.float32)})

CARD = """---
license: mit
pipeline_tag: text-generation
library_name: transformers
language: [en]
tags: [gpt, tiny]
---
# Tiny GPT

A compact GPT trained on a laptop.

```python
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained("alice/tiny-gpt")
```

| split | tokens |
|-------|--------|
| train | 1.2M   |
"""

HOSTILE = """---
license: mit
---
# Friendly title

<script>window.pwned = "script"; alert("script")</script>
<img src="missing.png" onerror="window.pwned = 'onerror'; alert('onerror')">
<a id="js-link" href="javascript:window.pwned='link';alert('link')">a javascript: link</a>
[markdown js link](javascript:alert('md'))
<div id="raw" onclick="window.pwned = 'click'" onmouseover="window.pwned = 'hover'">raw html block</div>
<svg onload="window.pwned = 'svg'"><script>window.pwned = 'svg-script'</script></svg>
<iframe srcdoc="<script>parent.pwned = 'frame'</script>"></iframe>
<style>body { display: none }</style>
"""


def unlabelled_controls(tab) -> list[str]:
    """Form controls a screen reader could not name."""
    return tab.evaluate("""() => Array.from(document.querySelectorAll('input, select, textarea'))
        .filter(el => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
        .map(el => el.outerHTML)""")


@pytest.mark.slow
def test_a_user_works_through_the_hub(page, server, alice):
    tab = page
    browser_sign_in(tab, alice)
    assert tab.get_by_role("status").inner_text() == "Welcome back."

    # create a repo with a licence
    tab.get_by_role("link", name="New", exact=True).click()
    tab.get_by_label("Name").fill("tiny-gpt")
    tab.get_by_label("Licence").select_option("mit")
    assert unlabelled_controls(tab) == []
    screenshot(tab, "new-repo")
    tab.get_by_role("button", name="Create repository").click()
    tab.wait_for_url("**/alice/tiny-gpt?notice=created")

    # upload files with a commit message
    tab.locator(".tabs").get_by_role("link", name="Files").click()
    tab.get_by_role("link", name="Upload files").click()
    tab.get_by_label("Files", exact=True).set_input_files([
        {"name": "config.json", "mimeType": "application/json", "buffer": b'{\n  "n_layer": 2,\n  "n_embd": 64\n}\n'},
        {"name": "model.safetensors", "mimeType": "application/octet-stream", "buffer": TINY_WEIGHTS},
    ])
    assert tab.locator("#chosen-files li").count() == 2
    tab.get_by_label("Summary").fill("Add the weights and config")
    assert unlabelled_controls(tab) == []
    screenshot(tab, "upload")
    tab.get_by_role("button", name="Commit files").click()
    tab.wait_for_url("**/tree/main?notice=uploaded")
    files = tab.locator("table.files")
    assert files.get_by_role("link", name="config.json", exact=True).is_visible()
    assert files.locator("tr", has_text="model.safetensors").locator(".badge.lfs").is_visible()
    screenshot(tab, "files")

    # edit the card in the browser
    tab.locator(".tabs").get_by_role("link", name="Model card").click()
    tab.get_by_role("link", name="Edit card").click()
    tab.get_by_label("README.md").fill(CARD)
    tab.get_by_label("Summary").fill("Describe the model")
    screenshot(tab, "edit-card")
    tab.get_by_role("button", name="Commit changes").click()
    tab.wait_for_url("**/alice/tiny-gpt?notice=card-saved")
    assert tab.get_by_role("heading", name="Tiny GPT").is_visible()
    metadata = tab.locator("section", has=tab.get_by_role("heading", name="Metadata"))
    assert metadata.get_by_role("link", name="text-generation").is_visible()
    assert tab.locator(".markdown pre .kn").first.inner_text() == "from"  # highlighted code block
    screenshot(tab, "repo-card")

    # history and a commit's diff
    tab.locator(".tabs").get_by_role("link", name="History").click()
    assert tab.locator(".commit-row").count() == 5
    tab.get_by_role("link", name="Describe the model").click()
    assert tab.locator(".diff-table tr.add", has_text="pipeline_tag: text-generation").is_visible()
    screenshot(tab, "commit-diff")

    # a file with syntax highlighting, and the branch switcher by keyboard
    tab.locator(".tabs").get_by_role("link", name="Files").click()
    tab.get_by_role("link", name="config.json", exact=True).click()
    assert tab.locator(".code-view .highlight").is_visible()
    assert tab.locator(".code-view a[href='#L-3']").is_visible()
    tab.locator(".rev-switcher summary").focus()
    tab.keyboard.press("Enter")
    assert tab.locator(".rev-switcher .menu-list").get_by_role("link", name="main").is_visible()
    tab.keyboard.press("Escape")
    screenshot(tab, "file-view")

    # search and filter
    tab.get_by_role("link", name="Models").first.click()
    tab.get_by_label("Filter models by name").fill("tiny")
    tab.get_by_label("Filter models by name").press("Enter")
    tab.wait_for_url(re.compile(r".*search=tiny.*"))
    tab.locator(".facets").get_by_role("link", name=re.compile("^text-generation")).click()
    tab.wait_for_url(re.compile(r".*task=text-generation.*"))
    assert tab.locator(".repo-item").count() == 1
    assert "33K params" in tab.locator(".repo-item").inner_text()  # read from the uploaded weights' header
    assert tab.get_by_role("link", name="Remove filter task: text-generation").is_visible()
    tab.get_by_label("Sort by").select_option("name")
    tab.wait_for_url(re.compile(r".*sort=name.*"))
    assert unlabelled_controls(tab) == []
    screenshot(tab, "model-list")

    # a token: created with a role, shown once, revoked
    tab.get_by_label(re.compile("Account menu")).click()
    tab.get_by_role("link", name="Access tokens").click()
    tab.get_by_label("Name").fill("notebook")
    tab.get_by_label("Role").select_option("write")
    tab.get_by_role("button", name="Create token").click()
    token = tab.get_by_role("textbox", name="New token").input_value()
    assert token.startswith("aic_") and unlabelled_controls(tab) == []
    screenshot(tab, "tokens")
    tab.goto("/settings/tokens")
    assert token not in tab.content() and tab.get_by_role("cell", name="notebook", exact=True).is_visible()
    tab.get_by_role("button", name="Revoke token notebook").click()
    tab.wait_for_url("**/settings/tokens?notice=token-revoked")
    assert tab.get_by_role("cell", name="notebook", exact=True).count() == 0

    # sign out
    tab.get_by_label(re.compile("Account menu")).click()
    tab.get_by_role("button", name="Sign out").click()
    tab.wait_for_url("**/?notice=signed-out")
    assert tab.get_by_role("link", name="Sign in").is_visible()
    screenshot(tab, "home")


def test_a_private_repo_is_invisible_to_another_user(page, server, alice, bob):
    make_repo(server.hub, alice, "alice/secret-model", private=True, card=CARD)
    make_repo(server.hub, alice, "alice/open-model", card=CARD)
    make_repo(server.hub, alice, "alice/wiki-sample", repo_type=RepoType.DATASET,
              card="---\nlicense: cc-by-sa-4.0\ntask_categories: [text-generation]\nlanguage: [en, sw]\n"
                   "size_categories: [n<1K]\n---\n# Wiki sample\n\nA few articles.\n",
              files={"data/train.csv": b"title,text\nA,B\n"})
    browser_sign_in(page, bob)
    assert page.locator(".hero-stats").get_by_role("link", name="1 model", exact=True).is_visible()  # not 2
    page.goto("/models")
    assert page.locator(".repo-item").count() == 1 and "secret" not in page.locator(".results").inner_text()
    page.goto("/alice")
    assert "secret" not in page.locator("main").inner_text()
    assert page.get_by_role("link", name="alice/wiki-sample").is_visible()
    screenshot(page, "user-page")
    page.get_by_role("link", name="alice/wiki-sample").click()
    assert page.get_by_role("link", name="cc-by-sa-4.0").is_visible()
    screenshot(page, "dataset-card")
    response = page.goto("/alice/secret-model")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    screenshot(page, "not-found")
    assert page.goto("/alice/secret-model/tree/main").status == 404


def test_a_hostile_card_runs_nothing(page, server, alice):
    make_repo(server.hub, alice, "alice/hostile", card=HOSTILE)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/alice/hostile")
    page.locator("#raw, .markdown div").first.hover()
    page.get_by_text("raw html block").click()
    page.get_by_text("a javascript: link").click()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("() => window.pwned") is None
    assert page.get_by_role("heading", name="Friendly title").is_visible()  # the page still shows the card
    assert page.locator(".markdown script, .markdown iframe, .markdown style, .markdown [onclick]").count() == 0
    assert page.url.endswith("/alice/hostile")
    screenshot(page, "hostile-card")


def test_lists_paginate_and_read_well_on_a_phone(page, server, alice):
    seed_repos(server.hub, "alice", 75)
    make_repo(server.hub, alice, "alice/tiny-gpt", card=CARD, files={"config.json": b"{}\n"})
    page.goto("/models?sort=name")
    assert page.locator(".repo-item").count() == 30
    page.get_by_role("navigation", name="Models pages").get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r".*p=2.*"))
    assert page.locator(".pagination [aria-current=page]").inner_text() == "2"
    screenshot(page, "model-list-page-2", full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    for url, name in (("/", "phone-home"), ("/models", "phone-models"), ("/alice/tiny-gpt", "phone-repo")):
        page.goto(url)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} scrolls sideways on a phone"
        screenshot(page, name)
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
