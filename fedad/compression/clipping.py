"""Local gradient clipping (Algorithm 1, step 2): bound each worker's update norm."""

from __future__ import annotations

import torch


def clip_rows(rows: torch.Tensor, max_norm: float | None) -> torch.Tensor:
    """Scale each row of a [workers, entries] stack down so that its 2-norm is at most ``max_norm``
    (None: unchanged). Rows within the bound are returned unchanged.

    Where it sits is :class:`fedad.federated.config.FederatedConfig`'s ``clip_at``: on the accumulated
    buffer (Algorithm 1) or on the new gradient before accumulation (DGC §3.2, so that one exploding
    batch cannot flood the residual that later steps send).
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
