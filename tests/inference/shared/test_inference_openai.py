"""The real `openai` client against the live hub: model list, completions, chat completions with the model's
chat template, streaming, and errors."""

from __future__ import annotations

import httpx
import openai
import pytest
from transformers import AutoTokenizer

from tests import tiny_models


@pytest.fixture
def client(server, alice, publish) -> openai.OpenAI:
    publish("gpt2")  # has a chat template
    publish("llama")  # has none
    publish("bert-mlm")  # not a text-generation model
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=alice.token, max_retries=0)


def native(server, repo: str, prompt: str, tokens: int) -> str:
    response = httpx.post(f"{server.url}/api/models/{repo}/infer", timeout=60,
                          json={"inputs": prompt, "parameters": {"max_new_tokens": tokens, "temperature": 0}})
    return response.json()[0]["generated_text"]


def test_models_lists_text_generation_models(client):
    ids = [model.id for model in client.models.list()]
    assert ids == ["alice/gpt2", "alice/llama"]
    assert client.models.retrieve("alice/gpt2").owned_by == "alice"


def test_completion_equals_native_greedy_generation(server, client):
    completion = client.completions.create(model="alice/gpt2", prompt="the quick", max_tokens=10, temperature=0)
    assert completion.object == "text_completion"
    assert completion.choices[0].text == native(server, "alice/gpt2", "the quick", 10)
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 10
    echoed = client.completions.create(model="alice/gpt2", prompt="the quick", max_tokens=3, temperature=0,
                                       echo=True)
    assert echoed.choices[0].text.startswith("the quick")


def test_chat_renders_the_models_template(server, client):
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "where is paris"}]
    chat = client.chat.completions.create(model="alice/gpt2", messages=messages, max_tokens=6, temperature=0)
    tokenizer = AutoTokenizer.from_pretrained(tiny_models.model_dir("gpt2"))
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|assistant|>")
    assert chat.usage.prompt_tokens == len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert chat.choices[0].message.role == "assistant"
    assert chat.choices[0].message.content == native(server, "alice/gpt2", prompt, 6)


def test_chat_without_a_template_uses_a_plain_transcript(server, client):
    chat = client.chat.completions.create(model="alice/llama", messages=[{"role": "user", "content": "hi"}],
                                          max_tokens=4, temperature=0)
    assert chat.choices[0].message.content == native(server, "alice/llama", "user: hi\nassistant:", 4)


def test_streamed_chat_equals_the_unstreamed_answer(client):
    request = dict(model="alice/gpt2", messages=[{"role": "user", "content": "hello"}], max_tokens=12,
                   temperature=0)
    whole = client.chat.completions.create(**request).choices[0].message.content
    chunks = list(client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["length"]
    assert chunks[-1].usage.completion_tokens == 12


def test_streamed_completion(client):
    chunks = list(client.completions.create(model="alice/gpt2", prompt="a", max_tokens=8, temperature=0,
                                            stream=True))
    whole = client.completions.create(model="alice/gpt2", prompt="a", max_tokens=8, temperature=0)
    assert "".join(c.choices[0].text for c in chunks) == whole.choices[0].text


def test_errors_reach_the_client_as_openai_errors(server, client):
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="alice/missing", prompt="x")
    with pytest.raises(openai.BadRequestError, match="fill-mask"):
        client.completions.create(model="alice/bert-mlm", prompt="x")
    with pytest.raises(openai.BadRequestError, match="n must be 1"):
        client.completions.create(model="alice/gpt2", prompt="x", n=2)
    with pytest.raises(openai.BadRequestError, match="max_new_tokens"):
        client.chat.completions.create(model="alice/gpt2", messages=[{"role": "user", "content": "x"}],
                                       max_tokens=100_000)
    with pytest.raises(openai.BadRequestError, match="role"):
        client.chat.completions.create(model="alice/gpt2", messages=[{"role": "robot", "content": "x"}])
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-a-token", max_retries=0).models.list()
    body = httpx.post(f"{server.url}/v1/completions", json={"model": "alice/gpt2"}).json()
    assert body["error"]["type"] == "invalid_request_error" and "prompt" in body["error"]["message"]
