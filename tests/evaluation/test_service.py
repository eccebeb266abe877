"""Evaluations as hub jobs (with progress), stored results, and leaderboards that keep private
models to those who may see them."""

import pytest

from aicommons.accounts.principal import ANONYMOUS
from aicommons.errors import Forbidden, RepoNotFound
from aicommons.evaluation import service
from aicommons.evaluation.cache import SampleCache
from aicommons.evaluation.leaderboards import Filters, leaderboard
from aicommons.evaluation.runners import hub_folder
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.runs import evaluate
from aicommons.repos.manage import find_repo
from aicommons.repos.reading import snapshot
from .eval_models import push_folder, small

CARD = """---
license: {license}
language: [{language}]
model-index:
- name: m
  results:
  - task: {{type: tabular-classification}}
    dataset: {{type: iris, name: Iris}}
    metrics:
    - {{type: accuracy, value: {claimed}}}
---
# A model
"""


def test_a_job_runs_the_evaluation_and_reports_progress(hub, alice, bob, iris_skops, monkeypatch):
    push_folder(hub, alice, "alice/forest", iris_skops, CARD.format(license="mit", language="en", claimed=95))
    with pytest.raises(Forbidden):
        service.request_evaluation(hub, bob.principal(hub), "alice/forest", "iris")
    requested = service.request_evaluation(hub, alice.principal(hub), "alice/forest", "iris")
    assert service.job_status(hub, ANONYMOUS, "alice/forest", requested["job_id"])["status"] == "queued"
    seen = []
    original = hub.jobs._progress
    monkeypatch.setattr(hub.jobs, "_progress", lambda job, fraction, message: (seen.append((job, fraction, message)),
                                                                              original(job, fraction, message)))
    assert hub.jobs.drain() >= 1  # other features queue work on commits too
    ours = [(fraction, message) for job, fraction, message in seen if job == requested["job_id"]]
    fractions = [fraction for fraction, _ in ours]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any("samples" in message for _, message in ours)
    status = service.job_status(hub, alice.principal(hub), "alice/forest", requested["job_id"])
    assert status["status"] == "done" and status["progress"] == 1.0
    [result] = service.results_for(hub, ANONYMOUS, "alice/forest")
    assert result["id"] == status["result"]["record_id"] and result["commit"] == requested["commit"]
    assert result["license"] == "mit" and result["languages"] == ["en"] and result["verified"]
    [claim] = result["claims"]
    assert claim["metric"] == "accuracy" and claim["compared"] == 0.95
    assert claim["verdict"] == ("matches" if abs(0.95 - result["metrics"]["accuracy"]) <= 0.01 else "differs")
    record = service.record_document(hub, ANONYMOUS, result["id"])
    assert record["model"] == {**record["model"], "repo": "alice/forest", "commit": requested["commit"]}
    assert record["signature"]["algorithm"] == "ed25519"


def test_a_failing_evaluation_fails_its_job_with_the_reason(hub, alice, iris_skops):
    push_folder(hub, alice, "alice/forest", iris_skops)
    requested = service.request_evaluation(hub, alice.principal(hub), "alice/forest", "stdlib-text")
    hub.jobs.drain()
    status = service.job_status(hub, alice.principal(hub), "alice/forest", requested["job_id"])
    assert status["status"] == "failed" and "needs a causal language model" in status["error"]


def evaluated(hub, owner, repo_id, folder, card, private=False):
    repo, oid = push_folder(hub, owner, repo_id, folder, card, private=private)
    record = evaluate(hub, small("stdlib-text", 3), hub_folder(hub, repo, oid), RunOptions(), cache=SampleCache(hub))
    return service.store_record(hub, repo, record)


LM_CARD = "---\nlicense: {license}\nlanguage: [{language}]\n---\n"


@pytest.fixture
def board(hub, alice, tiny_gpt2, tiny_llama):
    evaluated(hub, alice, "alice/gpt", tiny_gpt2, LM_CARD.format(license="mit", language="en"))
    evaluated(hub, alice, "alice/llama", tiny_llama, LM_CARD.format(license="apache-2.0", language="fr"))
    evaluated(hub, alice, "alice/secret", tiny_gpt2, LM_CARD.format(license="mit", language="en"), private=True)
    return hub


def models(hub, principal, **filters):
    return [entry["model"] for entry in leaderboard(hub, principal, "stdlib-text", Filters(**filters))["entries"]]


def test_private_models_stay_off_the_leaderboard_of_others(board, alice, bob):
    assert sorted(models(board, ANONYMOUS)) == ["alice/gpt", "alice/llama"]
    assert sorted(models(board, bob.principal(board))) == ["alice/gpt", "alice/llama"]
    assert sorted(models(board, alice.principal(board))) == ["alice/gpt", "alice/llama", "alice/secret"]
    with pytest.raises(RepoNotFound):
        service.results_for(board, bob.principal(board), "alice/secret")


def test_leaderboard_ranks_by_the_first_metric_and_filters(board, alice):
    table = leaderboard(board, alice.principal(board), "stdlib-text")
    assert table["metric"] == "bits_per_byte" and table["higher_is_better"] is False
    values = [entry["metrics"]["bits_per_byte"] for entry in table["entries"]]
    assert values == sorted(values) and [e["rank"] for e in table["entries"]] == [1, 2, 3]
    sizes = {entry["model"]: entry["parameters"] for entry in table["entries"]}
    assert sizes["alice/gpt"] != sizes["alice/llama"]
    small_one = min(sizes.values())
    assert models(board, ANONYMOUS, license="Apache-2.0") == ["alice/llama"]
    assert models(board, ANONYMOUS, language="en") == ["alice/gpt"]
    assert models(board, ANONYMOUS, max_parameters=small_one) == [m for m, s in sizes.items()
                                                                  if s == small_one and m != "alice/secret"]
    assert models(board, ANONYMOUS, min_parameters=max(sizes.values()) + 1) == []


def test_only_the_latest_result_per_model_counts(board, alice):
    repo_gpt = find_repo(board, "model", "alice/gpt")
    head = snapshot(board, repo_gpt, None).commit_oid
    record = evaluate(board, small("stdlib-text", 2), hub_folder(board, repo_gpt, head), RunOptions(),
                      cache=SampleCache(board))
    newest = service.store_record(board, repo_gpt, record)
    entries = leaderboard(board, alice.principal(board), "stdlib-text")["entries"]
    assert [e["record_id"] for e in entries if e["model"] == "alice/gpt"] == [newest.id]
