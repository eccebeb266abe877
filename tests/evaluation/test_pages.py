"""The pages: a model page shows its verified results beside the card's claims; leaderboard pages
rank what the viewer may see, with filters."""

import re

import pytest
from fastapi.testclient import TestClient

from aicommons.api.app import create_app
from aicommons.evaluation import service
from aicommons.evaluation.cache import SampleCache
from aicommons.evaluation.runners import hub_folder
from aicommons.evaluation.runners.options import RunOptions
from aicommons.evaluation.runs import evaluate
from aicommons.evaluation.spec import get_task

from .eval_models import push_folder

CARD = """---
license: mit
language: [en]
model-index:
- name: forest
  results:
  - task: {type: tabular-classification}
    dataset: {type: iris, name: Iris}
    metrics: [{type: accuracy, value: 12.5}]
---
# Forest
"""


def evaluated(hub, owner, repo_id, folder, card=None, private=False):
    repo, oid = push_folder(hub, owner, repo_id, folder, card, private=private)
    record = evaluate(hub, get_task("iris"), hub_folder(hub, repo, oid), RunOptions(), cache=SampleCache(hub))
    return service.store_record(hub, repo, record)


def sign_in(client, user):
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": user.name, "password": user.password, "csrf_token": token,
                                           "next": "/"}, follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def client(hub, alice, iris_skops):
    evaluated(hub, alice, "alice/forest", iris_skops, CARD)
    evaluated(hub, alice, "alice/hidden", iris_skops, private=True)
    with TestClient(create_app(hub)) as test_client:
        yield test_client


def test_leaderboard_pages_show_only_what_the_viewer_may_see(client, alice):
    index = client.get("/leaderboards")
    assert index.status_code == 200 and 'href="/leaderboards/stdlib-text"' in index.text
    board = client.get("/leaderboards/iris")
    assert board.status_code == 200 and "alice/forest" in board.text and "alice/hidden" not in board.text
    assert "No model you can see" in client.get("/leaderboards/iris?license=apache-2.0").text
    assert "alice/forest" in client.get("/leaderboards/iris?language=en&license=MIT").text
    sign_in(client, alice)
    board = client.get("/leaderboards/iris").text
    assert "alice/hidden" in board and 'class="badge private"' in board


def test_the_model_page_shows_verified_results_beside_claims(client):
    page = client.get("/alice/forest")
    assert page.status_code == 200
    panel = page.text[page.text.index('data-panel="evaluations"'):]
    assert "verified" in panel and "accuracy" in panel
    assert 'claim-differs' in panel and "12.5" in panel  # the card claims 12.5 %
    assert "/api/evaluations/" in panel
