"""The compressor contract (after GRACE): a flat tensor in, a :class:`Compressed` message out.

A compressor only chooses *which* entries go and *how* their values are represented; the error-feedback
state lives in :mod:`fedad.compression.memory` and the bytes in :mod:`fedad.compression.codec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

VALUE_FORMATS = ("fp32", "fp16", "q8")


@dataclass
class Compressed:
    """What a compressor wants sent: ``values`` at ``indices`` of a flat tensor of ``numel`` entries.

    ``indices`` is None for a dense message (every entry, in order). ``value_format`` tells the codec
    how to store the values: ``fp32``; ``fp16`` (scaled by the largest magnitude, so nothing
    overflows or underflows); ``q8`` (8-bit levels of ``scale``, already quantised by the compressor).
    """

    values: torch.Tensor
    indices: torch.Tensor | None
    numel: int
    value_format: str = "fp32"
    scale: float | None = None

    def __post_init__(self) -> None:
        if self.value_format not in VALUE_FORMATS:
            raise ValueError(f"value_format must be one of {VALUE_FORMATS}, got {self.value_format!r}")
        if self.indices is None and self.values.numel() != self.numel:
            raise ValueError(f"dense message holds {self.values.numel()} values for {self.numel} entries")

    @property
    def nnz(self) -> int:
        return self.values.numel()

    def to_dense(self) -> torch.Tensor:
        """The flat tensor this message stands for (zeros where nothing was sent)."""
        if self.indices is None:
            return self.values.to(torch.float32).clone()
        out = torch.zeros(self.numel, dtype=torch.float32, device=self.values.device)
        out[self.indices] = self.values.to(torch.float32)
        return out


class Compressor(Protocol):
    """Chooses what to send of a flat float tensor at optimiser step ``step``."""

    name: str

    def compress(self, flat: torch.Tensor, step: int) -> Compressed: ...


class NoCompression:
    """ρ = 100 %: every entry as fp32, the paper's "without GCM" baseline."""

    name = "none"

    def compress(self, flat: torch.Tensor, step: int) -> Compressed:
        return Compressed(flat.detach().clone(), None, flat.numel(), "fp32")
