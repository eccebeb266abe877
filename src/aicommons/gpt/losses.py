"""Cross-entropy of the output layer, computed a slice of rows at a time.

Materialising logits for a whole batch (tokens x vocabulary floats) and running
`log_softmax` plus its backward over them dominates a small model's step on a CPU:
the tensor does not fit in cache. Here the output projection, the softmax and the
gradients are done per slice of rows, so each slice's logits stay in cache, the
softmax is computed once, and the backward pass only scales precomputed gradients.
"""

from __future__ import annotations

import torch

# Rows per slice: on a CPU, few enough that a slice's logits stay in cache; on a GPU, enough to
# keep it busy while capping the logits held at once.
ROWS_PER_SLICE = {"cpu": 512, "cuda": 8192}


def _rows_per_slice(device: torch.device) -> int:
    return ROWS_PER_SLICE.get(device.type, ROWS_PER_SLICE["cpu"])


def _slice_losses(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor):
    """Logits (float32), their log-sum-exp, and each row's cross-entropy, for one slice."""
    logits = (hidden @ weight.t()).float()
    lse = torch.logsumexp(logits, dim=-1)
    return logits, lse, lse - logits.gather(1, targets[:, None]).squeeze(1)


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        rows, step = hidden.shape[0], _rows_per_slice(hidden.device)
        grad_hidden = torch.empty_like(hidden)
        grad_weight = torch.zeros_like(weight, dtype=torch.float32)
        total = torch.zeros((), dtype=torch.float32, device=hidden.device)
        for start in range(0, rows, step):
            h = hidden[start : start + step]
            t = targets[start : start + step]
            logits, lse, losses = _slice_losses(h, weight, t)
            total += losses.sum()
            # d(mean loss)/d(logits) = (softmax - one_hot(target)) / rows
            grad = logits.sub_(lse[:, None]).exp_()
            grad[torch.arange(t.shape[0], device=t.device), t] -= 1.0
            grad.div_(rows)
            grad_hidden[start : start + step] = grad @ weight
            grad_weight += grad.t() @ h
        ctx.save_for_backward(grad_hidden, grad_weight.to(weight.dtype))
        return total / rows

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        grad_hidden, grad_weight = ctx.saved_tensors
        return grad_hidden * grad_output, grad_weight * grad_output, None


def linear_cross_entropy(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of `hidden @ weight.T` against `targets`; rows of hidden are tokens."""
    return _LinearCrossEntropy.apply(hidden, weight, targets)


@torch.no_grad()
def token_losses(hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of every row (in nats), without gradients, for evaluation."""
    out = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
    step = _rows_per_slice(hidden.device)
    for start in range(0, hidden.shape[0], step):
        out[start : start + step] = _slice_losses(hidden[start : start + step], weight, targets[start : start + step])[
            2
        ]
    return out
