"""Random-k sparsification: the same budget as top-ρ %, entries drawn uniformly (a baseline)."""

from __future__ import annotations

import torch

from fedad.compression.base import Compressed
from fedad.compression.topk import k_for


class RandomK:
    """Send ρ % of the entries chosen at random by the worker's own seeded generator."""

    name = "randomk"

    def __init__(self, rho: float, seed: int, value_format: str = "fp16"):
        k_for(1, rho)
        self.rho = rho
        self.value_format = value_format
        self.generator = torch.Generator().manual_seed(seed)

    def compress(self, flat: torch.Tensor, step: int) -> Compressed:
        k = k_for(flat.numel(), self.rho)
        idx, _ = torch.sort(torch.randperm(flat.numel(), generator=self.generator)[:k].to(flat.device))
        return Compressed(flat[idx].detach().clone(), idx, flat.numel(), self.value_format)
