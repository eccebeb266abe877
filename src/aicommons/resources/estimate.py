"""Memory to run and to fine-tune a transformer, in bytes, from its dimensions and parameter count.

Running: weights + KV cache + the activations of one prefill step (memory-efficient attention, so no
context-squared score matrix) + the logits it samples from. Quantized precisions (int8, int4) quantize the
transformer blocks' matrices and keep embeddings and an untied output head in 16 bits, as bitsandbytes, GPTQ
and AWQ do; compute and the KV cache are then bf16.

Fine-tuning: weights, gradients and AdamW's two moments (fp32: 4+4+8 = 16 bytes per parameter; mixed
precision adds a bf16 working copy: 18), plus activations kept for the backward pass, per layer
s·b·(15h + MLP) bytes at 2-byte activations (attention 11sbh, norms 4sbh, MLP 3sbh + 4sb·ff, or 2sbh + 6sb·ff
when gated; Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", Sec. 4.1,
without the attention-score term that memory-efficient attention does not store), plus fp32 logits and their
gradient. It assumes fused kernels: an implementation that composes GELU from elementwise operations (GPT-2's
gelu_new) or applies attention dropout outside a fused kernel keeps up to about twice as much. LoRA trains
rank-r adapters on every attention projection over frozen bf16 weights; QLoRA over int4 weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicommons.resources.architecture import ModelShape

INT4_BYTES = 4.25 / 8  # 4-bit codes plus a 16-bit scale per group of 64 weights
# precision -> (bytes per quantized weight, bytes per activation / KV element)
PRECISIONS = {"fp32": (4, 4), "bf16": (2, 2), "int8": (1, 2), "int4": (INT4_BYTES, 2)}
UNQUANTIZED_BYTES = 2  # embeddings and output head stay in bf16 when the blocks are quantized
ADAMW_FP32 = 16
ADAMW_MIXED = 18
LORA_RANK = 16
GGUF_KV_BYTES = 2  # llama.cpp keeps keys and values in f16 unless told otherwise
ASSUMPTIONS = (
    "int8: 1 byte per weight; int4: 4.25 bits per weight (16-bit scale per 64); embeddings and an untied head "
    "stay bf16",
    "compute and KV cache in fp32 for fp32, bf16 otherwise; memory-efficient (flash) attention",
    "training: AdamW; mixed precision keeps fp32 master weights; LoRA rank 16 on q, k, v and o projections",
    "runtime overhead (CUDA context, allocator slack) not included; sizes in bytes, GiB = 2^30",
)


@dataclass(frozen=True)
class Estimate:
    components: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.components.values())

    def to_dict(self) -> dict:
        return {**self.components, "total": self.total}


def kv_cache_bytes(shape: ModelShape, context: int, batch: int, element_bytes: float) -> int:
    """Keys and values of every layer for every position: 2 · L · kv_heads · head_dim · context · batch · bytes."""
    if shape.encoder:
        return 0
    return int(2 * shape.num_layers * shape.kv_width * context * batch * element_bytes)


def weight_bytes(shape: ModelShape, parameters: int, precision: str) -> int:
    quantized_bytes, _ = PRECISIONS[precision]
    if precision in ("fp32", "bf16"):
        return int(parameters * quantized_bytes)
    kept = min(shape.embedding_parameters, parameters)
    return int(kept * UNQUANTIZED_BYTES + (parameters - kept) * quantized_bytes)


def inference(shape: ModelShape, parameters: int, context: int, batch: int) -> dict[str, Estimate]:
    out = {}
    for precision, (_, act_bytes) in PRECISIONS.items():
        # one layer's live tensors during prefill: its input and output hidden states and the MLP's inner ones
        activations = batch * context * (2 * shape.hidden_size + shape.intermediate_size) * act_bytes
        # fp32 logits: for the next token of each sequence (decoders) or for every position (masked-LM heads)
        logits = batch * (context if shape.encoder else 1) * shape.vocab_size * 4 if shape.lm_head else 0
        out[precision] = Estimate({
            "weights": weight_bytes(shape, parameters, precision),
            "kv_cache": kv_cache_bytes(shape, context, batch, act_bytes),
            "activations": int(activations + logits),
        })
    return out


def quantized_file(shape: ModelShape, file_bytes: int, context: int, batch: int) -> Estimate:
    """Running a GGUF file as llama.cpp does: its tensors as stored (about the file's size), an f16 KV cache."""
    return Estimate({
        "weights": file_bytes,
        "kv_cache": kv_cache_bytes(shape, context, batch, GGUF_KV_BYTES),
        "activations": inference(shape, 0, context, batch)["bf16"].components["activations"],
    })


def training_activations(shape: ModelShape, context: int, batch: int, element_bytes: float) -> int:
    h, ff = shape.hidden_size, shape.intermediate_size
    # bytes per token and layer at 2-byte activations (1-byte dropout masks), as the paper counts them
    mlp = 2 * h + 6 * ff if shape.gated_mlp else 3 * h + 4 * ff
    per_layer_half_precision = context * batch * (15 * h + mlp)
    layers = shape.num_layers * per_layer_half_precision * element_bytes / 2
    logits = 2 * batch * context * shape.vocab_size * 4 if shape.lm_head else 0
    return int(layers + logits)


def lora_parameters(shape: ModelShape, rank: int = LORA_RANK) -> int:
    """Rank-r A and B matrices on the q, k, v and o projections of every layer."""
    h = shape.hidden_size
    per_layer = rank * ((h + shape.attention_width) * 2 + (h + shape.kv_width) * 2)
    return shape.num_layers * per_layer


def training(shape: ModelShape, parameters: int, context: int, batch: int) -> dict[str, Estimate]:
    adapters = lora_parameters(shape)
    return {
        "full_fp32": Estimate({
            "weights_gradients_optimizer": parameters * ADAMW_FP32,
            "activations": training_activations(shape, context, batch, 4),
        }),
        "full_mixed_bf16": Estimate({
            "weights_gradients_optimizer": parameters * ADAMW_MIXED,
            "activations": training_activations(shape, context, batch, 2),
        }),
        "lora_bf16": Estimate({
            "weights": weight_bytes(shape, parameters, "bf16"),
            "adapters_gradients_optimizer": adapters * ADAMW_FP32,
            "activations": training_activations(shape, context, batch, 2),
        }),
        "qlora_int4": Estimate({
            "weights": weight_bytes(shape, parameters, "int4"),
            "adapters_gradients_optimizer": adapters * ADAMW_FP32,
            "activations": training_activations(shape, context, batch, 2),
        }),
    }
