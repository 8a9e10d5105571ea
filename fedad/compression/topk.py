"""Top-ρ % sparsification (Algorithm 1, step 3), with DGC's optional exponential sparsity warm-up."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from fedad.compression.base import Compressed, Compressor, rows_of


def k_for(numel: int, rho: float) -> int:
    """Number of entries sent: ceil(ρ % of the size), at least one."""
    if not 0.0 < rho <= 100.0:
        raise ValueError(f"rho is a percentage in (0, 100], got {rho}")
    return max(1, min(numel, math.ceil(numel * rho / 100.0 - 1e-9)))


def warmup_rho(rho: float, step: int, warmup_steps: int, start: float = 25.0, stages: int = 4) -> float:
    """DGC warm-up: ρ shrinks exponentially from ``start`` % to ``rho`` % over ``warmup_steps`` steps."""
    if warmup_steps <= 0 or step >= warmup_steps or rho >= start:
        return rho
    stage = min(stages - 1, step * stages // warmup_steps)
    return start * (rho / start) ** (stage / (stages - 1))


class TopK(Compressor):
    """Send the ρ % entries of largest magnitude; the threshold Thr is the k-th largest |value|."""

    name = "topk"

    def __init__(self, rho: float, value_format: str = "fp16", warmup_steps: int = 0):
        k_for(1, rho)  # validates rho
        self.rho = rho
        self.value_format = value_format
        self.warmup_steps = warmup_steps

    def compress(self, rows: torch.Tensor, step: int, at: Sequence[int] | None = None) -> list[Compressed]:
        """One top-k over every row at once; indices increase along a row."""
        rows_of(rows, at)
        numel = rows.shape[1]
        k = k_for(numel, warmup_rho(self.rho, step, self.warmup_steps))
        _, idx = torch.topk(rows.abs(), k, dim=1, sorted=False)
        idx, _ = torch.sort(idx, dim=1)
        values = rows.gather(1, idx)
        return [Compressed(v, i, numel, self.value_format) for v, i in zip(values, idx, strict=True)]
