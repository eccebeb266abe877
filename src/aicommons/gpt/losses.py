"""Cross-entropy of the output layer, computed a slice of rows at a time.

Materialising logits for a whole batch (tokens x vocabulary floats) and running
`log_softmax` plus its backward over them dominates a small model's step on a CPU:
the tensor does not fit in cache. Here the output projection, the softmax and the
gradients are done per slice of rows, so each slice's logits stay in cache, the
softmax is computed once, and the backward pass only scales precomputed gradients.
"""

from __future__ import annotations

import torch

ROWS_PER_SLICE = 512


def _slice_logits(hidden: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return (hidden @ weight.t()).float()


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        rows = hidden.shape[0]
        grad_hidden = torch.empty_like(hidden)
        grad_weight = torch.zeros_like(weight, dtype=torch.float32)
        total = torch.zeros((), dtype=torch.float32, device=hidden.device)
        for start in range(0, rows, ROWS_PER_SLICE):
            h = hidden[start : start + ROWS_PER_SLICE]
            t = targets[start : start + ROWS_PER_SLICE]
            logits = _slice_logits(h, weight)
            lse = torch.logsumexp(logits, dim=-1)
            total += (lse - logits.gather(1, t[:, None]).squeeze(1)).sum()
            # d(mean loss)/d(logits) = (softmax - one_hot(target)) / rows
            grad = logits.sub_(lse[:, None]).exp_()
            grad[torch.arange(t.shape[0], device=t.device), t] -= 1.0
            grad.div_(rows)
            grad_hidden[start : start + ROWS_PER_SLICE] = grad @ weight
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
    for start in range(0, hidden.shape[0], ROWS_PER_SLICE):
        logits = _slice_logits(hidden[start : start + ROWS_PER_SLICE], weight)
        t = targets[start : start + ROWS_PER_SLICE]
        out[start : start + ROWS_PER_SLICE] = torch.logsumexp(logits, dim=-1) - logits.gather(1, t[:, None]).squeeze(1)
    return out
