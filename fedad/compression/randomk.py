"""Random-k sparsification: the same budget as top-ρ %, entries drawn uniformly (a baseline)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fedad.compression.base import Compressed, Compressor, SeededStreams, rows_of
from fedad.compression.topk import k_for


class RandomK(Compressor):
    """Send ρ % of the entries, chosen at random by each worker's own seeded stream."""

    name = "randomk"

    def __init__(self, rho: float, seeds: Sequence[int], value_format: str = "fp16"):
        k_for(1, rho)
        self.rho = rho
        self.value_format = value_format
        self.streams = SeededStreams(seeds)

    def compress(self, rows: torch.Tensor, step: int, at: Sequence[int] | None = None) -> list[Compressed]:
        out = []
        for row, worker in zip(rows, rows_of(rows, at), strict=True):
            k = k_for(row.numel(), self.rho)
            idx, _ = torch.sort(torch.randperm(row.numel(), generator=self.streams[worker])[:k].to(row.device))
            out.append(Compressed(row[idx].detach().clone(), idx, row.numel(), self.value_format))
        return out

    def state_dict(self) -> dict:
        return self.streams.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.streams.load_state_dict(state)
