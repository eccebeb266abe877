"""Search: names, card facets with counts, sorting, pages, and no private repo in any of it."""

from __future__ import annotations

import pytest
from web_helpers import make_repo, seed_repos, sign_in

from aicommons.accounts.principal import ANONYMOUS
from aicommons.errors import InvalidInput
from aicommons.repos.names import RepoType
from aicommons.web.search import RepoQuery, search_repos


def card(body: str = "# card\n", **meta) -> str:
    lines = "".join(f"{k}: {v}\n" for k, v in meta.items())
    return f"---\n{lines}---\n{body}"


@pytest.fixture
def catalogue(hub, alice, bob):
    make_repo(hub, alice, "alice/gpt-small", card=card(pipeline_tag="text-generation", license="mit",
                                                       library_name="transformers", language="[en, fr]"))
    make_repo(hub, alice, "alice/gpt-large", card=card("# Large\n\nWrites poems about alpacas.\n",
                                                       pipeline_tag="text-generation", license="apache-2.0",
                                                       library_name="transformers", language="en"))
    make_repo(hub, bob, "bob/classifier", card=card(pipeline_tag="text-classification", license="mit",
                                                    library_name="sklearn"))
    make_repo(hub, bob, "bob/secret-gpt", private=True, card=card(pipeline_tag="text-generation", license="mit"))
    make_repo(hub, alice, "alice/corpus", repo_type=RepoType.DATASET, card=card(task_categories="[translation]"))


def ids(page) -> list[str]:
    return [hit.repo_id for hit in page.hits]


def test_names_facets_and_sorting(hub, catalogue):
    def search(**kw):
        return search_repos(hub, ANONYMOUS, RepoQuery(RepoType.MODEL, **kw))

    assert sorted(ids(search(text="GPT"))) == ["alice/gpt-large", "alice/gpt-small"]
    assert ids(search(text="alice/gpt sma")) == ["alice/gpt-small"]  # every word must match
    assert ids(search(text="%")) == []  # LIKE wildcards are plain characters
    assert ids(search(text="alpaca poems")) == ["alice/gpt-large"]  # the card's text is searched too
    assert ids(search(sort="name")) == ["alice/gpt-large", "alice/gpt-small", "bob/classifier"]
    assert ids(search(filters={"license": "mit"}, sort="name")) == ["alice/gpt-small", "bob/classifier"]
    assert ids(search(filters={"language": "fr"})) == ["alice/gpt-small"]
    assert ids(search(filters={"author": "bob"})) == ["bob/classifier"]

    faceted = search(filters={"task": "text-generation"}, with_facets=True)
    assert faceted.total == 2
    facets = {name: dict(values) for name, values in faceted.facets.items()}
    # a facet counts what picking each of its values would give, other filters kept
    assert facets["task"] == {"text-generation": 2, "text-classification": 1}
    assert facets["license"] == {"mit": 1, "apache-2.0": 1}
    assert facets["author"] == {"alice": 2}
    datasets = search_repos(hub, ANONYMOUS, RepoQuery(RepoType.DATASET, with_facets=True))
    assert ids(datasets) == ["alice/corpus"] and dict(datasets.facets["task"]) == {"translation": 1}


def test_private_repos_count_only_for_those_who_may_see_them(hub, catalogue, alice, bob):
    query = RepoQuery(RepoType.MODEL, filters={"task": "text-generation"}, with_facets=True)
    for principal, expected in ((ANONYMOUS, 2), (alice.principal(hub), 2), (bob.principal(hub), 3)):
        found = search_repos(hub, principal, query)
        assert found.total == expected
        assert dict(found.facets["author"]).get("bob", 0) == expected - 2
    assert search_repos(hub, ANONYMOUS, RepoQuery(RepoType.MODEL, text="secret")).total == 0


def test_bad_queries_are_named():
    with pytest.raises(InvalidInput, match="unknown sort"):
        RepoQuery(RepoType.MODEL, sort="random")
    with pytest.raises(InvalidInput, match="page"):
        RepoQuery.from_params(RepoType.MODEL, {"p": "two"})
    with pytest.raises(InvalidInput, match="unknown filter"):
        RepoQuery(RepoType.MODEL, filters={"colour": "red"})


def test_list_page_paginates_hundreds_of_repos(hub, alice, client):
    seed_repos(hub, "alice", 260)
    make_repo(hub, alice, "alice/zz-private-one", private=True)
    first = client.get("/models?sort=name")
    assert first.status_code == 200
    assert 'class="total">260<' in first.text and "alice/</span>bulk-0000" in first.text
    assert 'href="/models?sort=name&amp;p=2" rel="next"' in first.text and ">9</a>" in first.text
    last = client.get("/models?sort=name&p=9")
    assert last.text.count('class="repo-item"') == 260 - 8 * 30
    assert "bulk-0259" in last.text and "zz-private-one" not in last.text
    beyond = client.get("/models?p=99")
    assert beyond.status_code == 200 and "No results on this page." in beyond.text
    assert client.get("/models?p=zero").status_code == 400
    popular = client.get("/models?sort=downloads").text
    assert popular.index("bulk-0259") < popular.index("bulk-0258")
    sign_in(client, alice)
    assert 'class="total">261<' in client.get("/models").text  # alice sees her private repo counted
