"""The repo page's resources panel and try-it widget (in chromium: text streams in), and the monitoring page."""

from __future__ import annotations

import re

import httpx
import pytest



def test_model_page_shows_resources_and_a_try_it_form_for_its_task(server, publish):
    repo = publish("minilm")
    html = httpx.get(f"{server.url}/{repo}").text
    resources = html[html.index('data-panel="resources"'):]
    assert "23M</strong> parameters" in resources and "1 stored buffer" in resources
    assert "Memory to run, 512-token context" in resources and "runs at fp32" in resources
    try_it = html[html.index('data-panel="try-it"'):]
    assert re.search(r'<option value="sentence-similarity">.*<option value="feature-extraction">', try_it, re.S)
    assert f'data-endpoint="/api/models/{repo}/infer?revision=' in try_it


def test_pages_without_a_runnable_model_have_no_try_it(server, hub, alice):
    from aicommons.repos.manage import create_repo
    from aicommons.repos.names import RepoType

    create_repo(hub, alice.principal(hub), RepoType.MODEL, "alice/empty")
    html = httpx.get(f"{server.url}/alice/empty").text
    assert 'data-panel="try-it"' not in html and 'data-panel="resources"' not in html


def test_monitoring_page_lists_only_models_the_viewer_may_see(server, publish, alice):
    public, private = publish("gpt2"), publish("gpt2", "hidden", private=True)
    body = {"inputs": "the", "parameters": {"max_new_tokens": 2}}
    headers = {"Authorization": f"Bearer {alice.token}"}
    for repo in (public, private):
        assert httpx.post(f"{server.url}/api/models/{repo}/infer", json=body, headers=headers).status_code == 200
    anonymous = httpx.get(f"{server.url}/-/inference").text
    assert public in anonymous and private not in anonymous
    assert private in httpx.get(f"{server.url}/-/inference", headers=headers).text


@pytest.mark.browser
def test_generated_text_streams_into_the_page(page, publish):
    repo = publish("gpt2")
    page.goto(f"/{repo}")
    form = page.locator("form.try-it")
    form.locator("textarea[name=prompt]").fill("the quick brown")
    form.locator("input[name=max_new_tokens]").fill("24")
    form.get_by_role("button", name="Run").click()
    status = form.locator("[data-try-status]")
    status.filter(has_text="tokens/s").wait_for()
    assert "24 tokens" in status.inner_text()
    assert form.locator("[data-try-output]").inner_text() != ""


@pytest.mark.browser
def test_fill_mask_answers_show_as_a_table(page, publish):
    repo = publish("bert-mlm")
    page.goto(f"/{repo}")
    form = page.locator("form.try-it")
    form.locator("input[name=masked]").fill("the quick [MASK] fox")
    form.get_by_role("button", name="Run").click()
    rows = form.locator("[data-try-table] tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5
