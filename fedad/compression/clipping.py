"""Local gradient clipping (Algorithm 1, step 2): bound a worker's gradient norm before accumulation."""

from __future__ import annotations

import torch


def clip_by_norm(grad: torch.Tensor, max_norm: float | None) -> torch.Tensor:
    """Scale ``grad`` down so that its 2-norm is at most ``max_norm`` (None: unchanged).

    Clipping happens before the gradient enters the accumulator, so a single exploding batch cannot
    flood the residual that later steps will send (DGC §3.2).
    """
    if max_norm is None:
        return grad
    if max_norm <= 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    norm = grad.norm()
    if norm > max_norm:
        return grad * (max_norm / (norm + 1e-12))
    return grad
