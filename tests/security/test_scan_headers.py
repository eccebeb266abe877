"""safetensors and GGUF header validation, and chat-template injection checks."""

import json
import struct

import pytest
import torch
from safetensors.torch import save as save_safetensors

from aicommons.security import Verdict, scan_bytes

from .crafted import ARRAY_T, F32_T, STRING_T, U32, gguf_bytes


def rules(result):
    return {f.rule_id for f in result.findings}


# -- safetensors ---------------------------------------------------------------------------------------------------


def safetensors_file(header: dict, data: bytes, pad: bool = True, lead: bytes = b"") -> bytes:
    text = lead + json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def test_real_safetensors_files_are_safe():
    tensors = {"w": torch.ones(3, 4), "b": torch.zeros(4, dtype=torch.bfloat16), "i": torch.arange(5),
               "empty": torch.zeros(0, 3), "scalar": torch.tensor(1.5), "f8": torch.zeros(3, dtype=torch.float8_e4m3fn)}
    result = scan_bytes(save_safetensors(tensors, metadata={"format": "pt"}))
    assert (result.verdict, result.format) == (Verdict.SAFE, "safetensors"), result.findings
    assert scan_bytes(safetensors_file({}, b"")).verdict is Verdict.SAFE


GOOD = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "U8", "shape": [4], "data_offsets": [8, 12]}}


@pytest.mark.parametrize("case,data", [
    ("length past end", struct.pack("<Q", 4096) + b'{"a":1}'),
    ("length over limit", struct.pack("<Q", 200_000_000) + b'{"' + b"\x00" * 64),
    ("not utf-8", struct.pack("<Q", 8) + b'{"\xff\xfe": 1}'[:8]),
    ("not json", struct.pack("<Q", 8) + b'{"a": 1,'),
    ("leading space", safetensors_file(GOOD, b"\x00" * 12, lead=b" ")),
    ("duplicate key", struct.pack("<Q", 88)
     + b'{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "a": {"dtype": "U8"}}   ' + b"\x00"),
    ("unknown dtype", safetensors_file({"a": {"dtype": "F17", "shape": [2], "data_offsets": [0, 8]}}, b"\x00" * 8)),
    ("shape mismatch", safetensors_file({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\x00" * 8)),
    ("negative shape", safetensors_file({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, b"\x00" * 8)),
    ("gap", safetensors_file({"a": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}}, b"\x00" * 4)),
    ("overlap", safetensors_file({**GOOD, "c": {"dtype": "U8", "shape": [4], "data_offsets": [6, 10]}}, b"\x00" * 14)),
    ("polyglot tail", safetensors_file(GOOD, b"\x00" * 12 + b"cos\nsystem\n(S'x'\ntR.")),
    ("short buffer", safetensors_file(GOOD, b"\x00" * 10)),
    ("metadata not strings", safetensors_file({**GOOD, "__metadata__": {"n": 1}}, b"\x00" * 12)),
    ("extra entry key", safetensors_file({"a": {**GOOD["a"], "code": "x"}}, b"\x00" * 8)),
    ("sub-byte dtype not byte aligned",
     safetensors_file({"a": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}}, b"\x00" * 2)),
    ("nan constant", struct.pack("<Q", 16) + b'{"a": NaN}      '),
])
def test_malformed_safetensors_are_invalid(case, data):
    result = scan_bytes(data)
    assert result.verdict is Verdict.INVALID, (case, result.findings)
    assert all(r.startswith("safetensors.") for r in rules(result)), result.findings


def test_safetensors_sub_byte_and_zero_size_tensors():
    header = {"f4": {"dtype": "F4", "shape": [4], "data_offsets": [0, 2]},
              "z": {"dtype": "F32", "shape": [0, 5], "data_offsets": [2, 2]}}
    assert scan_bytes(safetensors_file(header, b"\x00\x00")).verdict is Verdict.SAFE


# -- GGUF ----------------------------------------------------------------------------------------------------------

LLAMA_TEMPLATE = (
    "{%- set ns = namespace(system=false) -%}{{ bos_token }}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}{%- set ns.system = true -%}{%- endif -%}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    " + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor -%}{%- if add_generation_prompt -%}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif -%}"
)


def gguf(template: str | None = LLAMA_TEMPLATE, **overrides) -> bytes:
    kv = [("general.architecture", STRING_T, "llama"), ("general.alignment", U32, 32),
          ("tokenizer.ggml.tokens", ARRAY_T, (STRING_T, ["<s>", "a", b"\xff raw byte token"])),
          ("llama.rope.scale", F32_T, 1.0)]
    if template is not None:
        kv.append(("tokenizer.chat_template", STRING_T, template))
    tensors = [("token_embd.weight", [4, 2], 0, b"\x00" * 32), ("blk.0.q8", [32, 1], 8, b"\x00" * 34)]
    args = {"kv": kv, "tensors": tensors}
    args.update(overrides)
    return gguf_bytes(**args)


def test_valid_gguf_with_a_benign_chat_template_is_safe():
    result = scan_bytes(gguf())
    assert (result.verdict, result.format) == (Verdict.SAFE, "gguf"), result.findings


@pytest.mark.parametrize("case,data", [
    ("version", gguf()[:4] + struct.pack("<I", 7) + gguf()[8:]),
    ("tensor count", gguf()[:8] + struct.pack("<Q", 1 << 40) + gguf()[16:]),
    ("kv count", gguf()[:16] + struct.pack("<Q", 10_000) + gguf()[24:]),
    ("truncated", gguf()[:60]),
    ("unknown ggml type", gguf(tensors=[("t", [4], 99, b"\x00" * 16)])),
    ("block size", gguf(tensors=[("t", [16], 8, b"\x00" * 18)])),
    ("data past end", gguf(tensors=[("t", [4, 2], 0, b"\x00" * 32)])[:-40]),
    ("too many dims", gguf(tensors=[("t", [1, 1, 1, 1, 1], 0, b"\x00" * 4)])),
    ("long name", gguf(tensors=[("t" * 65, [1], 0, b"\x00" * 4)])),
    ("bad alignment", gguf(kv=[("general.alignment", U32, 24)], tensors=[])),
    ("bool value", gguf(kv=[("x.flag", 7, 2)], tensors=[])),
])
def test_malformed_gguf_is_invalid(case, data):
    result = scan_bytes(data)
    assert result.verdict is Verdict.INVALID, (case, result.findings)


def test_gguf_string_length_beyond_the_file():
    data = bytearray(gguf(tensors=[]))
    key_len_at = 24
    data[key_len_at : key_len_at + 8] = struct.pack("<Q", 1 << 50)
    assert "gguf.string" in rules(scan_bytes(bytes(data)))


def test_gguf_misaligned_and_overlapping_offsets():
    data = bytearray(gguf())
    # the second tensor info's offset is the last 8 bytes before the alignment padding of the info block
    second_offset_at = data.rfind(struct.pack("<IQ", 8, 32)) + 4
    for bad in (33, 0):
        data[second_offset_at : second_offset_at + 8] = struct.pack("<Q", bad)
        assert rules(scan_bytes(bytes(data))) & {"gguf.tensor-info", "gguf.tensor-data"}


@pytest.mark.parametrize("template,rule", [
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "template.dunder"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "template.dunder"),
    ("{{ lipsum['__glo' ~ 'bals__'] }}", "template.dunder-string"),
    ("{{ x|attr('_' ~ '_class' ~ '_' ~ '_') }}", "template.attr-filter"),
    ("{{ self._TemplateReference__context }}", "template.self-reference"),
    ("{{ joiner._last }}", "template.private-attribute"),
    ("{{ x['\\x5f\\x5fclass\\x5f\\x5f'] }}", "template.dunder-string"),
    ("{{ namespace.__init__.__globals__['__builtins__']['eval']('1') }}", "template.dunder"),
])
def test_gguf_chat_template_injection_is_dangerous(template, rule):
    result = scan_bytes(gguf(template))
    assert result.verdict is Verdict.DANGEROUS, result.findings
    assert rule in rules(result)
    finding = next(f for f in result.findings if f.rule_id == rule)
    assert finding.offset is not None and finding.name.startswith("tokenizer.chat_template")


def test_template_words_in_literal_text_are_not_flagged():
    template = ("You may not call __import__ or os.system, eval(), self.x. "
                "{% for m in messages %}{{ m.content }}{% endfor %}")
    assert scan_bytes(gguf(template)).verdict is Verdict.SAFE


def test_named_gguf_templates_are_checked_too():
    data = gguf(kv=[("tokenizer.chat_template.tool_use", STRING_T, "{{ cycler.__init__ }}")], tensors=[])
    assert scan_bytes(data).verdict is Verdict.DANGEROUS


def test_tokenizer_config_chat_templates():
    benign = json.dumps({"bos_token": "<s>", "chat_template": LLAMA_TEMPLATE}).encode()
    assert scan_bytes(benign).verdict is Verdict.SAFE
    evil = json.dumps({"chat_template": [{"name": "default", "template": LLAMA_TEMPLATE},
                                         {"name": "rag", "template": "{{ lipsum.__globals__ }}"}]}).encode()
    result = scan_bytes(evil)
    assert result.verdict is Verdict.DANGEROUS
    assert any(f.name.startswith("chat_template[rag]") for f in result.findings)


def test_standalone_chat_template_file():
    assert scan_bytes(LLAMA_TEMPLATE.encode()).verdict is Verdict.SAFE
    result = scan_bytes(b"{% for m in messages %}{{ m|attr('content') }}{% endfor %}")
    assert result.verdict is Verdict.DANGEROUS
