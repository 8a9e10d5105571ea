"""Top-ρ % sparsification (Algorithm 1, step 3), with DGC's optional exponential sparsity warm-up."""

from __future__ import annotations

import math

import torch

from fedad.compression.base import Compressed


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


class TopK:
    """Send the ρ % entries of largest magnitude; the threshold Thr is the k-th largest |value|."""

    name = "topk"

    def __init__(self, rho: float, value_format: str = "fp16", warmup_steps: int = 0):
        k_for(1, rho)  # validates rho
        self.rho = rho
        self.value_format = value_format
        self.warmup_steps = warmup_steps

    def compress(self, flat: torch.Tensor, step: int) -> Compressed:
        rho = warmup_rho(self.rho, step, self.warmup_steps)
        k = k_for(flat.numel(), rho)
        _, idx = torch.topk(flat.abs(), k, sorted=False)
        idx, _ = torch.sort(idx)
        return Compressed(flat[idx].detach().clone(), idx, flat.numel(), self.value_format)

    def select_rows(self, rows: torch.Tensor, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`compress` for every row of a [workers, entries] stack in one top-k: (values, indices),
        each [workers, k], indices increasing along a row. Row i selects what ``compress(rows[i])`` does
        (tested bit for bit)."""
        k = k_for(rows.shape[1], warmup_rho(self.rho, step, self.warmup_steps))
        _, idx = torch.topk(rows.abs(), k, dim=1, sorted=False)
        idx, _ = torch.sort(idx, dim=1)
        return rows.gather(1, idx), idx
