"""A decoder-only transformer in the Llama layout, small enough to read in one sitting.

Each block is: RMSNorm -> causal self-attention with rotary positions -> residual add,
then RMSNorm -> SwiGLU MLP -> residual add. Module names are chosen so that
`model.state_dict()` has exactly the keys of `transformers.LlamaForCausalLM`; exporting
is writing the tensors, and `AutoModelForCausalLM` computes the same logits.

Modules hold the weights; plain functions (`rms_norm`, `attention`, `swiglu`) compute with
them. Calling a module costs a few microseconds of Python, which is a large part of a
decoding step of a small model, so the forward pass calls the functions directly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig
from .losses import linear_cross_entropy, token_losses


class RMSNorm(nn.Module):
    """Scale each vector to unit root-mean-square, then by a learned gain (no mean, no bias)."""

    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self)


def rms_norm(x: torch.Tensor, norm: RMSNorm) -> torch.Tensor:
    """x / sqrt(mean(x^2) + eps) * weight, bit for bit what transformers computes."""
    if x.dtype == torch.float32:
        return F.rms_norm(x, norm.weight.shape, norm.weight, norm.eps)
    # Under autocast transformers normalises in float32 and scales in the input's precision.
    return norm.weight * F.rms_norm(x.float(), norm.weight.shape, eps=norm.eps).to(x.dtype)


def rotary_tables(config: ModelConfig, length: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of position x frequency for every position, each shaped (length, head_dim).

    The angles are computed in float32 exactly as transformers computes them, once rather than per
    step. The first half of the sin table is negated: that is the sign "rotate half" applies.
    """
    dim = config.head_dim
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float().to(device) / dim))
    angles = torch.arange(length, device=device).float()[:, None] * inv_freq[None, :]
    angles = torch.cat((angles, angles), dim=-1)
    sin = angles.sin()
    sin[:, : dim // 2].neg_()
    return angles.cos(), sin


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each pair (x[i], x[i + d/2]) by its position's angle: the "rotate half" convention.

    (x1, x2) becomes (x1 cos - x2 sin, x2 cos + x1 sin): x * cos plus the halves swapped times
    the signed sin table, bit for bit what transformers computes.
    """
    if cos.dtype != x.dtype:  # under autocast, rotate in the precision of the projections
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    swapped = x.unflatten(-1, (2, -1)).flip(-2).flatten(-2)
    return x * cos + swapped * sin


class KVCache:
    """Keys and values of every layer, preallocated for `max_len` positions.

    During sampling each new token attends to all earlier positions without recomputing them.
    """

    def __init__(self, config: ModelConfig, batch: int, max_len: int, device, dtype):
        shape = (batch, config.num_key_value_heads, max_len, config.head_dim)
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(config.num_hidden_layers)]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(config.num_hidden_layers)]
        self.length = 0  # positions filled so far

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store this step's keys/values for `layer`; return all keys/values so far."""
        keys, values, start, end = self.keys[layer], self.values[layer], self.length, self.length + k.shape[2]
        keys[:, :, start:end] = k
        values[:, :, start:end] = v
        return keys[:, :, :end], values[:, :, :end]


class Attention(nn.Module):
    """The query, key, value and output projections of causal self-attention; see `attention`."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.n_head = config.num_attention_heads
        self.n_kv_head = config.num_key_value_heads
        self.head_dim = config.head_dim
        self.q_proj = nn.Linear(config.hidden_size, self.n_head * self.head_dim, bias=False)
        self.k_proj = nn.Linear(config.hidden_size, self.n_kv_head * self.head_dim, bias=False)
        self.v_proj = nn.Linear(config.hidden_size, self.n_kv_head * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.n_head * self.head_dim, config.hidden_size, bias=False)

    def forward(self, x, cos, sin, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        return attention(self, x, cos, sin, cache, layer)


def attention(attn: Attention, x, cos, sin, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
    """Each position attends to itself and the positions before it (and to the cached ones)."""
    B, T, _ = x.shape
    q = F.linear(x, attn.q_proj.weight).view(B, T, attn.n_head, attn.head_dim).transpose(1, 2)
    k = F.linear(x, attn.k_proj.weight).view(B, T, attn.n_kv_head, attn.head_dim).transpose(1, 2)
    v = F.linear(x, attn.v_proj.weight).view(B, T, attn.n_kv_head, attn.head_dim).transpose(1, 2)
    q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
    mask, causal = None, True
    if cache is not None:
        start = cache.length
        k, v = cache.append(layer, k, v)
        if start > 0:  # queries sit at the end of the cached sequence
            causal = False
            if T > 1:
                mask = torch.ones(T, start + T, dtype=torch.bool, device=x.device).tril(diagonal=start)
    y = F.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, is_causal=causal and T > 1, enable_gqa=attn.n_kv_head != attn.n_head
    )
    return F.linear(y.transpose(1, 2).reshape(B, T, -1), attn.o_proj.weight)


class MLP(nn.Module):
    """The three matrices of a SwiGLU feed-forward layer; see `swiglu`."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return swiglu(self, x)


def swiglu(mlp: MLP, x: torch.Tensor) -> torch.Tensor:
    """A SiLU-gated linear unit: down_proj(silu(gate_proj(x)) * up_proj(x))."""
    gate, up = F.linear(x, mlp.gate_proj.weight), F.linear(x, mlp.up_proj.weight)
    return F.linear(F.silu(gate) * up, mlp.down_proj.weight)


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        x = x + attention(self.self_attn, rms_norm(x, self.input_layernorm), cos, sin, cache, layer)
        return x + swiglu(self.mlp, rms_norm(x, self.post_attention_layernorm))


class Decoder(nn.Module):
    """Token embedding, the stack of blocks and the final norm (`LlamaModel` in transformers)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)


class GPT(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.model = Decoder(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        cos, sin = rotary_tables(config, config.max_position_embeddings)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """GPT-2 initialisation: N(0, 0.02), residual projections shrunk by 1/sqrt(2 * layers)."""
        residual_std = 0.02 / math.sqrt(2 * self.config.num_hidden_layers)
        for name, param in self.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name:
                nn.init.ones_(param)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(param, std=residual_std)
            else:
                nn.init.normal_(param, std=0.02)

    def hidden_states(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Final normalised hidden states for `idx` (batch, time); with `cache`, `idx` continues it."""
        T = idx.shape[1]
        start = cache.length if cache is not None else 0
        if start + T > self.config.max_position_embeddings:
            raise ValueError(
                f"sequence of {start + T} tokens exceeds the model's context of {self.config.max_position_embeddings}"
            )
        cos, sin = self.rope_cos[start : start + T], self.rope_sin[start : start + T]
        x = F.embedding(idx, self.model.embed_tokens.weight)
        for i, block in enumerate(self.model.layers):
            x = block(x, cos, sin, cache, i)
        if cache is not None:
            cache.length += T
        return rms_norm(x, self.model.norm)

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        cache: KVCache | None = None,
    ) -> torch.Tensor:
        """Logits for `idx`, or the mean cross-entropy loss when `targets` are given."""
        x = self.hidden_states(idx, cache)
        if targets is not None:
            return linear_cross_entropy(x.flatten(0, 1), self.lm_head.weight, targets.flatten())
        return F.linear(x, self.lm_head.weight)

    def token_losses(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of every target in nats, shaped like `targets`, for evaluation."""
        hidden = self.hidden_states(idx).flatten(0, 1)
        return token_losses(hidden, self.lm_head.weight, targets.flatten()).view_as(targets)

    def new_cache(self, batch: int, max_len: int | None = None) -> KVCache:
        weight = self.lm_head.weight
        return KVCache(self.config, batch, max_len or self.config.max_position_embeddings, weight.device, weight.dtype)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
