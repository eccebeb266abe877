"""The community core on PostgreSQL and an S3 bucket: one counter under concurrent writers, and a merge."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from aicommons.community import discussions, pulls, webhooks
from aicommons.repos.commit import AddFile, commit
from tests.community.conftest import quick_user
from tests.community.helpers import new_repo, signature, text_at
from tests.community.receiver import allow_private_targets

pytestmark = pytest.mark.scaleout


def test_numbering_and_merging_on_postgres(scaled_hub):
    hub = scaled_hub
    alice, bob = quick_user(hub, "alice"), quick_user(hub, "bob")
    repo = new_repo(hub, alice, "alice/model", {"notes.txt": b"one\n"})
    allow_private_targets(hub)  # nothing listens on port 9: every delivery fails and is retried
    hook = webhooks.create_webhook(hub, alice.principal(hub), "http://127.0.0.1:9/hook",
                                   [{"type": "user", "name": "alice"}], domains=["discussion"])

    def open_one(n: int) -> int:
        if n % 3 == 0:
            return commit(hub, repo, [AddFile(f"f{n}.txt", b"x")], author=signature(bob), message=f"PR {n}",
                          create_pr=True).pr_number
        return discussions.create_discussion(hub, bob.principal(hub), repo, f"Question {n}").number

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(open_one, range(12)))
    assert sorted(numbers) == list(range(1, 13))

    pr = commit(hub, repo, [AddFile("notes.txt", b"one\ntwo\n")], author=signature(bob), message="Two",
                create_pr=True)
    merged = pulls.merge(hub, alice.principal(hub), repo, pr.pr_number, signature(alice))
    assert merged.status == "merged" and text_at(hub, repo, "notes.txt") == "one\ntwo\n"
    scopes = [d.scope for d in webhooks.deliveries(hub, alice.principal(hub), hook.id, limit=100)]
    assert scopes.count("discussion") == 14  # 13 opened, 1 merged; no repo events for this webhook
