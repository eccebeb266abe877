"""The pieces on their own: the model cache, the chat-template sandbox, streamed text and task detection."""

from __future__ import annotations

import threading
import time

import pytest

from aicommons.errors import InvalidInput
from aicommons.inference import chat, tasks
from aicommons.inference.cache import ModelCache
from aicommons.inference.errors import NotLoadable
from aicommons.inference.generation import _TextStream
from aicommons.inference.loaders import LoadedModel


def loaded(nbytes: int) -> LoadedModel:
    return LoadedModel("transformers", object(), nbytes=nbytes)


def test_cache_evicts_least_recently_used_within_budget():
    cache = ModelCache(100)
    a = cache.get("a", lambda: loaded(40), lambda: 40)
    cache.get("b", lambda: loaded(40), lambda: 40)
    assert cache.get("a", lambda: pytest.fail("a is cached"), lambda: 40) is a  # a is now the most recent
    cache.get("c", lambda: loaded(40), lambda: 40)
    assert cache.keys() == ["a", "c"] and cache.used_bytes() == 80


def test_cache_refuses_a_model_larger_than_the_budget_before_loading():
    cache = ModelCache(100)
    with pytest.raises(NotLoadable, match="MiB"):
        cache.get("big", lambda: pytest.fail("must not load"), lambda: 101)


def test_concurrent_requests_for_one_model_load_it_once():
    cache = ModelCache(100)
    loads = []

    def slow_load():
        loads.append(1)
        time.sleep(0.2)
        return loaded(10)

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("m", slow_load, lambda: 10)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(r) for r in results}) == 1


def test_a_failed_load_can_be_retried():
    cache = ModelCache(100)
    with pytest.raises(RuntimeError):
        cache.get("m", lambda: (_ for _ in ()).throw(RuntimeError("disk")), lambda: 10)
    assert cache.get("m", lambda: loaded(10), lambda: 10).nbytes == 10


class FakeTokenizer:
    bos_token, eos_token = "<s>", "</s>"

    def __init__(self, template=None, pieces=None):
        self.chat_template = template
        self.pieces = pieces or {}

    def decode(self, ids, **kwargs):
        return "".join(self.pieces[i] for i in ids)


@pytest.mark.parametrize("template", [
    "{{ messages.__class__.__mro__ }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{% set _ = messages.append({'role': 'x'}) %}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_templates_cannot_reach_python_or_mutate_data(template):
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(InvalidInput, match="chat template"):
        chat.render(FakeTokenizer(template), messages)
    assert messages == [{"role": "user", "content": "hi"}]


def test_templates_render_with_the_transformers_helpers():
    template = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}"
                "{{ raise_exception('no system messages') }}{% endif %}[{{ m['role'] }}]{{ m['content'] | tojson }}"
                "{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}")
    tokenizer = FakeTokenizer(template)
    assert chat.render(tokenizer, [{"role": "user", "content": "é"}]) == '<s>[user]"é"[assistant]'
    with pytest.raises(InvalidInput, match="no system messages"):
        chat.render(tokenizer, [{"role": "system", "content": "x"}])


def test_messages_are_checked_and_text_parts_joined():
    parts = [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]
    assert chat.check_messages(parts) == [{"role": "user", "content": "ab"}]
    for bad in ([], [{"role": "user"}], [{"role": "user", "content": [{"type": "image_url"}]}], "hi"):
        with pytest.raises(InvalidInput, match="messages"):
            chat.check_messages(bad)


class Ids(list):
    def reshape(self, *shape):
        return self

    def tolist(self):
        return list(self)


def stream(pieces: dict, stops=()):
    emitted: list[str] = []
    text_stream = _TextStream(LoadedModel("transformers", None, FakeTokenizer(pieces=pieces)), stops, emitted.append)
    text_stream.put(Ids([0]))  # the prompt comes first and is skipped
    return text_stream, emitted


def test_stream_holds_back_a_possible_stop_string_and_cuts_at_it():
    pieces = {1: "hello ", 2: "wor", 3: "ld", 4: "END", 5: "more"}
    text_stream, emitted = stream(pieces, stops=("wordy", "END"))
    for token in (1, 2, 3):
        text_stream.put(Ids([token]))
    assert "".join(emitted) == "hello world"  # "wor" was held back until it could no longer start "wordy"
    text_stream.put(Ids([4]))
    text_stream.put(Ids([5]))
    text_stream.end()
    assert text_stream.stopped and text_stream.text == "hello world" and "".join(emitted) == "hello world"


def test_stream_waits_for_complete_characters():
    text_stream, emitted = stream({1: "a", 2: "\ufffd", 3: "b"})
    text_stream.put(Ids([1]))
    text_stream.put(Ids([2]))
    assert emitted == ["a"]
    text_stream.put(Ids([3]))
    assert "".join(emitted) == "a\ufffdb"


def test_task_detection_from_files():
    files = {"config.json": '{"architectures": ["BertForMaskedLM"]}',
             "README.md": "---\npipeline_tag: feature-extraction\n---\n"}
    kind = tasks.model_kind(files.get, list(files))
    assert kind.framework == "transformers" and kind.tasks == ("feature-extraction", "fill-mask")
    assert kind.choose(None) == "feature-extraction"
    with pytest.raises(InvalidInput, match="text-generation"):
        kind.choose("text-generation")
    sklearn = {"config.json": '{"sklearn": {"model": {"file": "m.skops"}, "task": "tabular-regression"}}'}
    assert tasks.model_kind(sklearn.get, ["config.json", "m.skops"]).tasks[0] == "tabular-regression"
    assert tasks.model_kind({"config.json": "{}"}.get, ["config.json"]) is None
