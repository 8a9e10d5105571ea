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


def clip_rows(rows: torch.Tensor, max_norm: float | None) -> torch.Tensor:
    """:func:`clip_by_norm` applied to each row of a [workers, entries] stack, in one pass.

    The same float operations per row, so each row equals ``clip_by_norm(row, max_norm)`` bit for bit
    (tested); rows within the bound are returned unchanged.
    """
    if max_norm is None:
        return rows
    if max_norm <= 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    norms = torch.linalg.vector_norm(rows, dim=1, keepdim=True)
    over = norms > max_norm
    if not bool(over.any()):  # the usual case: one check for all rows instead of a select over all entries
        return rows
    return torch.where(over, rows * (max_norm / (norms + 1e-12)), rows)
