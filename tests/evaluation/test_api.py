"""The HTTP API and the CLI against a live server: request an evaluation (writers only), follow the
job, read results with claims, fetch the signed record and verify it with the key the hub serves."""

import json
import time

import httpx
from typer.testing import CliRunner

from aicommons.cli.main import app
from .eval_models import push_folder

CARD = """---
license: mit
model-index:
- name: forest
  results:
  - task: {type: tabular-classification}
    dataset: {type: iris, name: Iris}
    metrics: [{type: accuracy, value: 0.10}]
---
"""


def auth(token):
    return {"authorization": f"Bearer {token}"}


def wait_for(server, path, token, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        status = httpx.get(server.url + path, headers=auth(token)).json()
        if status["status"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_request_follow_read_and_verify(server, alice, bob, iris_skops, tmp_path):
    hub = server.hub
    push_folder(hub, alice, "alice/forest", iris_skops, CARD)
    push_folder(hub, alice, "alice/hidden", iris_skops, private=True)
    url = server.url + "/api/models/alice/forest/evals"
    assert httpx.post(url, json={"task": "iris"}).status_code == 403
    assert httpx.post(url, json={"task": "iris"}, headers=auth(bob.token)).status_code == 403
    assert httpx.post(url, json={"task": "iris"}, headers=auth(alice.read_token)).status_code == 403
    assert httpx.post(url, json={"task": "no-such-task"}, headers=auth(alice.token)).status_code == 404
    bad = httpx.post(url, json={"task": "iris", "dtype": "int3"}, headers=auth(alice.token))
    assert bad.status_code == 400 and "unknown dtype" in bad.json()["error"]
    hidden = server.url + "/api/models/alice/hidden/evals"
    assert httpx.post(hidden, json={"task": "iris"}, headers=auth(bob.token)).status_code == 404

    accepted = httpx.post(url, json={"task": "iris"}, headers=auth(alice.token))
    assert accepted.status_code == 202
    job = accepted.json()
    status = wait_for(server, f"/api/models/alice/forest/evals/jobs/{job['job_id']}", alice.token)
    assert status["status"] == "done" and status["progress"] == 1.0, status
    assert httpx.get(server.url + f"/api/models/alice/hidden/evals/jobs/{job['job_id']}").status_code == 404

    [result] = httpx.get(url).json()
    assert result["task"] == "iris" and result["commit"] == job["commit"]
    [claim] = result["claims"]
    assert claim["verdict"] == "differs" and claim["gap"] < -0.5  # the card claims 10 %

    record = httpx.get(server.url + f"/api/evaluations/{result['id']}").json()
    key = httpx.get(server.url + "/api/evaluation-key").json()
    assert key["algorithm"] == "ed25519" and record["signature"]["key_id"] == key["key_id"]
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    runner = CliRunner()
    verified = runner.invoke(app, ["verify-eval", str(path), "--hub", server.url])
    assert verified.exit_code == 0, verified.output
    assert "record verified" in verified.output
    record["metrics"]["accuracy"] = 1.0
    path.write_text(json.dumps(record))
    tampered = runner.invoke(app, ["verify-eval", str(path), "--hub", server.url, "--json"])
    assert tampered.exit_code == 1
    report = json.loads(tampered.output)
    assert not report["ok"] and {c["check"] for c in report["checks"] if not c["passed"]} == {"signature", "metrics"}

    board = httpx.get(server.url + "/api/leaderboards/iris").json()
    assert [e["model"] for e in board["entries"]] == ["alice/forest"]
    assert httpx.get(server.url + "/api/leaderboards/nope").status_code == 404
    assert {t["name"] for t in httpx.get(server.url + "/api/eval-tasks").json()} >= {"iris", "stdlib-text"}


def test_cli_eval_runs_locally_and_signs(tmp_path, iris_skops, monkeypatch):
    monkeypatch.setenv("AICOMMONS_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    out = tmp_path / "record.json"
    result = runner.invoke(app, ["eval", str(iris_skops), "--task", "iris", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "30 samples" in result.output
    key = tmp_path / "key.pem"
    from aicommons.evaluation.signing import hub_key, public_key_document

    key.write_text(public_key_document(hub_key(tmp_path / "data"))["pem"])
    assert runner.invoke(app, ["verify-eval", str(out), "--key", str(key)]).exit_code == 0
    again = runner.invoke(app, ["eval", str(iris_skops), "--task", "iris", "--json"])
    assert json.loads(again.stdout)["cached_samples"] == 30
    missing = runner.invoke(app, ["eval", "nobody/nothing", "--task", "iris"])
    assert missing.exit_code == 1 and "neither a model folder nor a model repo" in missing.output
    assert runner.invoke(app, ["verify-eval", str(out)]).exit_code == 1  # no hub in the record, no key given


def test_cli_eval_fetches_a_model_from_another_hub(server, alice, iris_skops, tmp_path, monkeypatch):
    _, oid = push_folder(server.hub, alice, "alice/forest", iris_skops)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    result = CliRunner().invoke(app, ["eval", "alice/forest", "--task", "iris", "--json", "--endpoint", server.url,
                                      "--data-dir", str(tmp_path / "local")])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["model"]["repo"] == "alice/forest" and record["model"]["commit"] == oid
    assert record["model"]["key"] == f"commit:{oid}" and record["metrics"]["accuracy"] > 0.85
