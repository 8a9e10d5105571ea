"""QSGD-style 8-bit quantisation (Alistarh et al., 2017): every entry, 1 byte each, unbiased.

Each value v becomes sign(v) · ‖v‖_∞ · l / s with s = 127 levels and l drawn by stochastic rounding of
|v| / ‖v‖_∞ · s, so E[q(v)] = v. The max-norm (not the 2-norm) keeps all levels in use for the dense
gradients of small models.
"""

from __future__ import annotations

import torch

from fedad.compression.base import Compressed

LEVELS = 127


class QSGD:
    """Dense 8-bit stochastic quantisation; the codec stores int8 levels and one fp32 scale."""

    name = "qsgd"

    def __init__(self, seed: int):
        self.generator = torch.Generator().manual_seed(seed)

    def compress(self, flat: torch.Tensor, step: int) -> Compressed:
        scale = float(flat.abs().max())
        if scale == 0.0:
            return Compressed(torch.zeros_like(flat), None, flat.numel(), "q8", 0.0)
        level = flat.abs() / scale * LEVELS
        floor = level.floor()
        noise = torch.rand(flat.shape, generator=self.generator).to(flat.device)
        q = (floor + (noise < (level - floor)).to(flat.dtype)) * flat.sign()
        return Compressed(q * scale / LEVELS, None, flat.numel(), "q8", scale)
