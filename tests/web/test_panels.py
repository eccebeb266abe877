"""The repo page's lineage, card-warnings and licence panels, the licence-conflict facet and the languages page,
on repos pushed through the one commit path."""

from __future__ import annotations

import re
import time
from xml.etree import ElementTree

import pytest
import yaml
from sqlalchemy import func, select
from web_helpers import AUTHOR, browser_sign_in, make_repo, screenshot, sign_in

from aicommons.jobs.tables import Job
from aicommons.licenses.report_cache import license_report
from aicommons.licenses.summary import stored_summary
from aicommons.repos import reading
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import find_repo
from aicommons.repos.names import RepoType


def card(text: str = "# A model\n", **meta) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + text


def recard(hub, repo, **meta) -> None:
    commit(hub, repo, [AddFile("README.md", card(**meta).encode())], author=AUTHOR, message="Update card")


def finish_jobs(hub, timeout: float = 20.0) -> None:
    """Run every queued job, and wait for those the app's job thread (started by the test client) is running."""
    deadline = time.monotonic() + timeout
    while True:
        hub.jobs.drain()
        with hub.db.read() as session:
            pending = session.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running"))))
        if not pending:
            return
        assert time.monotonic() < deadline, f"{pending} jobs still pending"
        time.sleep(0.02)


def hub_repo(hub, repo_id: str, repo_type: RepoType = RepoType.MODEL):
    return find_repo(hub, repo_type, repo_id)


def panel(html: str, name: str) -> str:
    """The body of one panel of a repo page ('' when the page does not show it)."""
    start = html.find(f'data-panel="{name}"')
    if start < 0:
        return ""
    ends = [html.find(mark, start) for mark in ('<section class="panel', "</aside>", "</article>")]
    return html[start:min(end for end in ends if end > 0)]


@pytest.fixture
def family(hub, alice):
    """A base, a fine-tune of it trained on a non-commercial dataset while declaring MIT, and an adapter."""
    make_repo(hub, alice, "alice/base", card=card(license="apache-2.0", pipeline_tag="text-generation"))
    make_repo(hub, alice, "alice/corpus", repo_type=RepoType.DATASET, card=card(license="cc-by-nc-4.0"))
    make_repo(hub, alice, "alice/tuned", card=card(license="mit", base_model="alice/base", datasets=["alice/corpus"],
                                                     language=["en", "xx-not-a-language"]))
    make_repo(hub, alice, "alice/tuned-lora", card=card(license="mit", base_model="alice/tuned",
                                                          base_model_relation="adapter"))
    finish_jobs(hub)


def test_panels_show_lineage_and_verdicts_of_pushed_repos(client, family):
    html = client.get("/alice/tuned").text
    lineage = panel(html, "lineage")
    assert "<svg" in lineage and 'href="/alice/base"' in lineage and "Adapters (1)" in lineage
    drawing = ElementTree.fromstring(re.search(r"<svg.*</svg>", lineage, re.S).group(0))  # one well-formed picture
    assert drawing.tag.endswith("svg") and not drawing.findall(".//{http://www.w3.org/2000/svg}svg")
    assert "finetune" in lineage and "inferred from one base model" in lineage  # relation and its evidence
    assert re.search(r"<th scope=\"row\">Adapters</th><td class=\"num\">1</td>", lineage)
    warnings = panel(html, "card-warnings")
    assert "xx-not-a-language" in warnings

    licence = panel(html, "license")
    assert 'data-use="commercial" data-status="needs-review"' in licence  # cc-by-nc training data
    assert 'data-use="research"' in licence and "Commercial product" in licence
    assert 'data-kind="relicensed"' in licence and "alice/corpus" in licence
    # every reason names its clause, linked to the licence text it comes from
    assert re.search(r'<a href="https://[^"]+"[^>]*>cc-by-nc-4\.0/[\w-]+</a>', licence)
    assert "Model Openness Framework" in licence and "OSI Open Source AI Definition" in licence

    base = panel(client.get("/alice/base").text, "lineage")
    assert "Fine-tunes (1)" in base and "alice/tuned" in base
    dataset_page = client.get("/datasets/alice/corpus").text
    assert panel(dataset_page, "lineage") == "" and "data-use=\"commercial\"" in panel(dataset_page, "license")


def test_out_of_date_notice_after_the_base_moves(client, hub, alice, family):
    recard(hub, hub_repo(hub, "alice/base"), license="apache-2.0", new_version="alice/base-v2")
    lineage = panel(client.get("/alice/tuned").text, "lineage")
    assert 'data-notice="base_superseded"' in lineage and "alice/base-v2" in lineage


def test_private_ancestors_stay_hidden_in_both_panels(hub, client, alice, bob):
    make_repo(hub, alice, "alice/grand-secret", private=True, card=card(license="cc-by-nc-4.0"))
    make_repo(hub, alice, "alice/secret-base", private=True,
              card=card(license="cc-by-nc-4.0", base_model="alice/grand-secret"))
    make_repo(hub, alice, "alice/open-ft", card=card(license="mit", base_model="alice/secret-base"))
    finish_jobs(hub)

    sign_in(client, bob)
    html = client.get("/alice/open-ft").text
    lineage, licence = panel(html, "lineage"), panel(html, "license")
    assert lineage and licence
    # the public card names its base, so the name may show, but only as a base this hub does not hold
    assert 'href="/alice/secret-base"' not in lineage + licence and "not on this hub" in lineage
    assert "grand-secret" not in html  # nothing of the private base's own card or lineage
    assert "an upstream private repo" in licence
    assert 'data-use="commercial" data-status="not-allowed"' in licence  # the hidden non-commercial terms count

    sign_in(client, alice)
    mine = client.get("/alice/open-ft").text
    assert 'href="/alice/secret-base"' in panel(mine, "lineage") and "alice/grand-secret" in panel(mine, "license")


def test_verdict_reports_are_reused_until_something_upstream_changes(hub, alice, bob, family):
    tuned = hub_repo(hub, "alice/tuned")
    head = reading.snapshot(hub, tuned, None).commit_oid
    first = license_report(hub, bob.principal(hub), tuned, head)
    assert license_report(hub, bob.principal(hub), tuned, head) is first
    recard(hub, hub_repo(hub, "alice/corpus", RepoType.DATASET), license="cc-by-4.0")  # the training data moved
    again = license_report(hub, bob.principal(hub), tuned, head)
    assert again is not first and "cc-by-nc-4.0" not in str(again.verdict.to_dict())


def test_conflict_facet_filters_and_follows_what_it_depends_on(hub, client, alice):
    child = make_repo(hub, alice, "alice/child", card=card(license="apache-2.0", base_model="alice/root",
                                                           datasets=["alice/data"]))
    make_repo(hub, alice, "alice/other", card=card(license="mit"))
    finish_jobs(hub)
    assert stored_summary(hub, child).has_conflicts is False  # its upstream is not on the hub: unknown

    def conflicting() -> set[str]:
        found = client.get("/api/models", params={"filter": "license-conflict:yes"}).json()
        return {item["id"] for item in found}

    assert conflicting() == set()
    # the training data appears, under terms the child's licence ignores: the child is queued again
    data = make_repo(hub, alice, "alice/data", repo_type=RepoType.DATASET, card=card(license="cc-by-nc-4.0"))
    finish_jobs(hub)
    summary = stored_summary(hub, child)
    assert summary.has_conflicts and "relicensed" in summary.conflict_kinds
    assert summary.commercial == "needs-review"
    assert conflicting() == {"alice/child"}
    page = client.get("/models", params={"conflict": "yes"}).text
    assert "alice/child" in page and "alice/other" not in page and "Has licence conflicts" in page
    assert "alice/child" not in client.get("/models", params={"conflict": "no"}).text
    assert client.get("/models", params={"conflict": "maybe"}).status_code == 400

    recard(hub, data, license="cc-by-4.0")  # the dataset's licence changes: the conflict goes away
    finish_jobs(hub)
    assert stored_summary(hub, child).has_conflicts is False and conflicting() == set()
    assert "alice/child" in client.get("/models", params={"conflict": "no"}).text


def test_the_facet_never_names_private_repos(hub, client, alice):
    make_repo(hub, alice, "alice/private-root", private=True, card=card(license="cc-by-nc-4.0"))
    make_repo(hub, alice, "alice/private-child", private=True,
              card=card(license="mit", base_model="alice/private-root"))
    finish_jobs(hub)
    page = client.get("/models", params={"conflict": "yes"}).text
    assert "private-child" not in page and "private-root" not in page
    assert client.get("/api/models", params={"filter": "license-conflict:yes"}).json() == []


def test_languages_page_counts_visible_repos_and_marks_the_under_served(hub, client, alice):
    for index in range(3):
        make_repo(hub, alice, f"alice/fr-{index}", card=card(language=["fr"]))
    make_repo(hub, alice, "alice/de-data", repo_type=RepoType.DATASET, card=card(language=["de"]))
    make_repo(hub, alice, "alice/sw-secret", private=True, card=card(language=["sw"]))
    html = client.get("/languages").text
    assert 'href="/languages"' in client.get("/").text  # linked from the navigation

    def row(code: str) -> str:
        return re.search(rf'<tr class="([^"]*)" data-code="{code}">(.*?)</tr>', html, re.S).group(0)

    assert 'class="served"' in row("fr") and 'href="/models?language=fr">3</a>' in row("fr")
    assert "under-served" in row("de") and 'href="/datasets?language=de">1</a>' in row("de")
    assert "none yet" in row("sw")  # the private model is not counted for a visitor
    only = client.get("/languages", params={"show": "under-served"}).text
    assert 'data-code="fr"' not in only and 'data-code="de"' in only


@pytest.mark.browser
def test_repo_page_with_both_panels_reads_well(page, server, alice):
    hub = server.hub
    make_repo(hub, alice, "alice/base", card=card(license="apache-2.0", pipeline_tag="text-generation"))
    make_repo(hub, alice, "alice/corpus", repo_type=RepoType.DATASET, card=card(license="cc-by-nc-4.0"))
    make_repo(hub, alice, "alice/tuned", card=card(
        "# Tuned\n\nA fine-tune of alice/base on alice/corpus.\n", license="mit", base_model="alice/base",
        datasets=["alice/corpus"], pipeline_tag="text-generation", language=["en"]))
    make_repo(hub, alice, "alice/tuned-lora", card=card(license="mit", base_model="alice/tuned",
                                                          base_model_relation="adapter"))
    browser_sign_in(page, alice)
    page.goto("/alice/tuned")
    page.locator('[data-panel="license"] [data-use="commercial"] summary').click()
    assert page.locator('[data-panel="lineage"] figure > svg').is_visible()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header would otherwise land mid-page in the capture
    screenshot(page, "repo-panels")
