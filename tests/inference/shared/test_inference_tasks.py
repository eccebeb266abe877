"""Every task on a real tiny model through POST /api/models/{repo_id}/infer, checked against running the same
model directly."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
import skops.io as sio
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForCausalLM, AutoTokenizer

from aicommons.repos.commit import AddFile, commit
from aicommons.repos.manage import find_repo
from aicommons.repos.objects import Signature
from tests import tiny_models


def infer(server, repo_id: str, body: dict, token: str | None = None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{server.url}/api/models/{repo_id}/infer", json=body, headers=headers, params=params,
                      timeout=120)


def sse_events(response: httpx.Response) -> list[dict]:
    return [json.loads(line[len("data: "):]) for line in response.text.splitlines() if line.startswith("data: ")]


def test_text_generation_matches_greedy_decoding_in_process(server, publish):
    repo = publish("gpt2")
    folder = tiny_models.model_dir("gpt2")
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModelForCausalLM.from_pretrained(folder)
    ids = tokenizer("the quick brown", return_tensors="pt")["input_ids"]
    expected = model.generate(ids, max_new_tokens=12, do_sample=False, pad_token_id=tokenizer.eos_token_id)
    expected_text = tokenizer.decode(expected[0, ids.shape[1]:], skip_special_tokens=True)

    response = infer(server, repo, {"inputs": "the quick brown", "parameters": {"max_new_tokens": 12,
                                                                               "temperature": 0}})
    assert response.status_code == 200, response.text
    [result] = response.json()
    assert result["generated_text"] == expected_text
    details = result["details"]
    assert details["generated_tokens"] == 12 and details["prompt_tokens"] == ids.shape[1]
    assert details["finish_reason"] == "length"
    full = infer(server, repo, {"inputs": "the quick brown", "parameters": {
        "max_new_tokens": 12, "temperature": 0, "return_full_text": True}}).json()[0]
    assert full["generated_text"] == "the quick brown" + expected_text


def test_streamed_generation_arrives_as_server_sent_events(server, publish):
    repo = publish("gpt2")
    body = {"inputs": "a model hub", "stream": True, "parameters": {"max_new_tokens": 20, "temperature": 0}}
    with httpx.stream("POST", f"{server.url}/api/models/{repo}/infer", json=body, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        response.read()
    events = sse_events(response)
    pieces = [e["token"]["text"] for e in events[:-1]]
    final = events[-1]
    assert len(pieces) > 1 and "".join(pieces) == final["generated_text"]
    assert final["details"]["generated_tokens"] == 20
    unstreamed = infer(server, repo, {**body, "stream": False}).json()[0]
    assert unstreamed["generated_text"] == final["generated_text"]


def test_stop_strings_end_generation_before_the_stop(server, publish):
    repo = publish("gpt2")
    free = infer(server, repo, {"inputs": "the", "parameters": {"max_new_tokens": 30, "temperature": 0}}).json()[0]
    text = free["generated_text"]
    stop = text[len(text) // 2:len(text) // 2 + 2]
    stopped = infer(server, repo, {"inputs": "the", "parameters": {"max_new_tokens": 30, "temperature": 0,
                                                                  "stop": [stop]}}).json()[0]
    assert stopped["generated_text"] == text[:text.index(stop)]
    assert stopped["details"]["finish_reason"] == "stop"


def test_fill_mask_ranks_tokens_for_the_mask(server, publish):
    repo = publish("bert-mlm")
    response = infer(server, repo, {"inputs": "the quick [MASK] fox", "parameters": {"top_k": 3}})
    assert response.status_code == 200, response.text
    predictions = response.json()
    assert len(predictions) == 3
    assert [p["score"] for p in predictions] == sorted((p["score"] for p in predictions), reverse=True)
    assert all({"score", "token", "token_str", "sequence"} <= set(p) for p in predictions)
    missing = infer(server, repo, {"inputs": "no mask here"})
    assert missing.status_code == 400 and "[MASK]" in missing.json()["error"]


def test_text_classification_scores_every_label(server, publish):
    repo = publish("bert-classifier")
    response = infer(server, repo, {"inputs": ["the quick fox", "a lazy dog"]})
    assert response.status_code == 200, response.text
    results = response.json()
    assert len(results) == 2
    for scores in results:
        assert {s["label"] for s in scores} == {"NEGATIVE", "POSITIVE"}
        assert sum(s["score"] for s in scores) == pytest.approx(1.0, abs=1e-5)
    top = infer(server, repo, {"inputs": "the quick fox", "parameters": {"top_k": 1}}).json()
    assert len(top) == 1 and len(top[0]) == 1


def test_minilm_feature_extraction_and_similarity_match_sentence_transformers(server, publish):
    repo = publish("minilm")
    local = SentenceTransformer(str(tiny_models.model_dir("minilm")), device="cpu")
    sentences = ["A fox jumps over a dog.", "Paris is the capital of France."]
    vectors = infer(server, repo, {"inputs": sentences, "task": "feature-extraction"}).json()
    assert np.allclose(vectors, local.encode(sentences), atol=1e-5)
    single = infer(server, repo, {"inputs": sentences[0], "task": "feature-extraction"}).json()
    assert len(single) == 384 and np.linalg.norm(single) == pytest.approx(1.0, abs=1e-5)

    pair = {"source_sentence": "A quick fox leaps over a lazy dog.", "sentences": sentences}
    scores = infer(server, repo, {"inputs": pair}).json()  # the card's pipeline_tag makes this the default task
    expected = local.similarity(local.encode([pair["source_sentence"]]), local.encode(sentences))[0]
    assert np.allclose(scores, expected.numpy(), atol=1e-5)
    assert scores[0] > scores[1]


@pytest.mark.parametrize("kind", ["sklearn-classification", "sklearn-regression"])
def test_tabular_predictions_match_the_skops_model(server, publish, kind):
    repo = publish(kind)
    local = sio.load(tiny_models.model_dir(kind) / "model.skops")
    rows = np.array([[0.5, 1.0, -0.2], [-1.0, -0.3, 2.0], [0.1, -0.1, 0.0]])
    data = {"a": rows[:, 0].tolist(), "b": rows[:, 1].tolist(), "c": rows[:, 2].tolist()}
    response = infer(server, repo, {"inputs": {"data": data}})
    assert response.status_code == 200, response.text
    assert np.allclose(response.json(), local.predict(rows))
    missing = infer(server, repo, {"inputs": {"data": {"a": [1.0], "b": [2.0]}}})
    assert missing.status_code == 400 and "c" in missing.json()["error"]


def test_a_task_the_model_does_not_run_is_a_400(server, publish):
    repo = publish("gpt2")
    response = infer(server, repo, {"inputs": "x", "task": "fill-mask"})
    assert response.status_code == 400 and "text-generation" in response.json()["error"]


def test_generation_uses_the_revision_asked_for(server, hub, alice, publish):
    repo = publish("gpt2", "gpt2-revisions")  # its own repo: this test commits new weights
    first = infer(server, repo, {"inputs": "the", "parameters": {"max_new_tokens": 8, "temperature": 0}}).json()
    other = tiny_models.tiny_gpt2(hub.settings.data_dir / "reseeded", seed=7)
    old_sha = httpx.get(f"{server.url}/api/models/{repo}/resources").json()["sha"]
    commit(hub, find_repo(hub, "model", repo), [AddFile("model.safetensors", (other / "model.safetensors")
                                                        .read_bytes())],
           author=Signature("alice", "alice@example.org"), message="new weights")
    newer = infer(server, repo, {"inputs": "the", "parameters": {"max_new_tokens": 8, "temperature": 0}}).json()
    pinned = infer(server, repo, {"inputs": "the", "parameters": {"max_new_tokens": 8, "temperature": 0}},
                   revision=old_sha).json()
    assert pinned[0]["generated_text"] == first[0]["generated_text"]
    assert newer[0]["generated_text"] != first[0]["generated_text"]
