"""QSGD-style 8-bit quantisation (Alistarh et al., 2017): every entry, 1 byte each, unbiased.

Each value v becomes sign(v) · ‖v‖_∞ · l / s with s = 127 levels (:data:`fedad.compression.formats.Q8_LEVELS`) and l drawn by stochastic rounding of
|v| / ‖v‖_∞ · s, so E[q(v)] = v. The max-norm (not the 2-norm) keeps all levels in use for the dense
gradients of small models.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fedad.compression.base import Compressed, Compressor, SeededStreams, rows_of
from fedad.compression.formats import Q8_LEVELS as LEVELS


class QSGD(Compressor):
    """Dense 8-bit stochastic quantisation; the codec stores int8 levels and one fp32 scale per row."""

    name = "qsgd"

    def __init__(self, seeds: Sequence[int]):
        self.streams = SeededStreams(seeds)

    def compress(self, rows: torch.Tensor, step: int, at: Sequence[int] | None = None) -> list[Compressed]:
        return [self._quantise(row, self.streams[worker]) for row, worker in zip(rows, rows_of(rows, at), strict=True)]

    @staticmethod
    def _quantise(flat: torch.Tensor, generator: torch.Generator) -> Compressed:
        scale = float(flat.abs().max())
        if scale == 0.0:
            return Compressed(torch.zeros_like(flat), None, flat.numel(), "q8", 0.0)
        level = flat.abs() / scale * LEVELS
        floor = level.floor()
        noise = torch.rand(flat.shape, generator=generator).to(flat.device)
        q = (floor + (noise < (level - floor)).to(flat.dtype)) * flat.sign()
        return Compressed(q * scale / LEVELS, None, flat.numel(), "q8", scale)

    def state_dict(self) -> dict:
        return self.streams.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.streams.load_state_dict(state)
