"""Full-text search and facets on PostgreSQL: the tsvector backend of the same query."""

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.accounts.service import create_user, principal_for_user
from aicommons.features import configure_hub
from aicommons.hub import Hub
from aicommons.index.search import SearchFilters, facet_counts, search_repos
from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import create_repo
from aicommons.repos.names import RepoType
from aicommons.repos.objects import Signature
from aicommons.settings import Settings

pytestmark = pytest.mark.scaleout


@pytest.fixture
def pg_hub(tmp_path, postgres):
    hub = configure_hub(Hub.open(Settings.from_env(tmp_path / "data",
                                                   database_url=postgres.create_database("cards_search"))))
    yield hub
    hub.close()


def test_full_text_on_postgres(pg_hub):
    with pg_hub.db.write() as session:
        user = create_user(session, "alice", None)
    with pg_hub.db.read() as session:
        principal = principal_for_user(session, user)
    me = Signature("alice", "alice@example.org")
    for name, card, private in (("llama-tiny", "---\nlicense: mit\nlanguage: fr\n---\nTalks about alpacas.\n", False),
                                ("bert-small", "---\nlicense: apache-2.0\n---\nGerman encoder.\n", False),
                                ("hidden", "---\nlicense: mit\n---\nalpacas too\n", True)):
        repo = create_repo(pg_hub, principal, RepoType.MODEL, f"alice/{name}", private=private)
        commit(pg_hub, repo, [AddFile("README.md", card.encode())], author=me, message="card")
    assert pg_hub.db.engine.dialect.name == "postgresql"
    assert [r.repo_id for r in search_repos(pg_hub, ANONYMOUS, "alpaca").items] == ["alice/llama-tiny"]
    assert [r.repo_id for r in search_repos(pg_hub, ANONYMOUS, "ert-sm").items] == ["alice/bert-small"]
    assert search_repos(pg_hub, ANONYMOUS, "it's & | !").total == 0  # operators are not interpreted
    assert search_repos(pg_hub, principal, "alpacas").total == 2
    assert search_repos(pg_hub, ANONYMOUS, filters=SearchFilters(language="fra")).total == 1
    assert facet_counts(pg_hub, ANONYMOUS, facets=("license",)) == {"license": [("apache-2.0", 1), ("mit", 1)]}
