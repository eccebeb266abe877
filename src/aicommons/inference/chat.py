"""Chat messages to a prompt with the model's own chat template, rendered in Jinja's immutable sandbox: a
template from a repo can format text but cannot reach Python objects, mutate data or run code.

Models without a template get a plain transcript ("role: content" lines, then "assistant:")."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from aicommons.errors import InvalidInput

ROLES = ("system", "user", "assistant", "tool", "developer")
MAX_MESSAGES = 200
MAX_TEMPLATE_CHARS = 200_000


class TemplateRaised(TemplateError):
    """A template called raise_exception (it rejects these messages, e.g. roles out of order)."""


def _raise_exception(message: str):
    raise TemplateRaised(message)


def _tojson(value, indent=None, ensure_ascii=False, separators=None, sort_keys=False) -> str:
    # templates written for transformers expect plain JSON here, not Jinja's HTML-escaping tojson
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, separators=separators, sort_keys=sort_keys)


@lru_cache(maxsize=64)
def _compiled(source: str):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(source)


def check_messages(messages) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("messages", "messages must be a non-empty list")
    if len(messages) > MAX_MESSAGES:
        raise InvalidInput("messages", f"at most {MAX_MESSAGES} messages")
    out = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise InvalidInput("messages", f"messages[{index}] needs a role among {', '.join(ROLES)}")
        content = message.get("content")
        if isinstance(content, list):  # OpenAI content parts: only text parts are understood here
            if not all(isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
                       for p in content):
                raise InvalidInput("messages", f"messages[{index}]: only text content parts are supported")
            content = "".join(p["text"] for p in content)
        if not isinstance(content, str):
            raise InvalidInput("messages", f"messages[{index}] needs text content")
        out.append({"role": message["role"], "content": content})
    return out


def template_of(tokenizer) -> str | None:
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):
        template = template.get("default")
    return template if isinstance(template, str) and template.strip() else None


def render(tokenizer, messages: list[dict]) -> str:
    template = template_of(tokenizer)
    if template is None:
        lines = [f"{m['role']}: {m['content']}" for m in messages]
        return "\n".join(lines) + "\nassistant:"
    if len(template) > MAX_TEMPLATE_CHARS:
        raise InvalidInput("chat_template", "the model's chat template is too long to render")
    special = {name: getattr(tokenizer, name, None) for name in
               ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token")}
    try:
        return _compiled(template).render(messages=messages, add_generation_prompt=True, **special)
    except TemplateError as error:
        raise InvalidInput("messages", f"the model's chat template refused these messages: {error}") from None
