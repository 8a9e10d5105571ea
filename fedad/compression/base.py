"""The compressor contract (after GRACE): a [workers, entries] stack in, one :class:`Compressed` message
per row out.

A compressor only chooses *which* entries go and *how* their values are represented; the error-feedback
state lives in :mod:`fedad.compression.memory` and the bytes in :mod:`fedad.compression.codec`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from fedad.compression.formats import VALUE_FORMATS


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
            raise ValueError(f"value_format must be one of {tuple(VALUE_FORMATS)}, got {self.value_format!r}")
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


class Compressor(ABC):
    """Chooses what each worker sends of its row of a [workers, entries] float stack (Algorithm 1, step 3). A compressor holds one random stream per worker where it draws at random, so that a
    worker's choices do not depend on which other workers took part in a round."""

    name: str

    @abstractmethod
    def compress(self, rows: torch.Tensor, step: int, at: Sequence[int] | None = None) -> list[Compressed]:
        """One message per row of ``rows`` ([n, P]) at optimiser step ``step``; row i belongs to worker
        ``at[i]`` (default: worker i)."""

    def state_dict(self) -> dict:
        """The random streams' states (empty for a deterministic compressor)."""
        return {}

    def load_state_dict(self, state: dict) -> None:  # noqa: B027 — optional: most have nothing here
        """Restore what :meth:`state_dict` returned."""


class NoCompression(Compressor):
    """ρ = 100 %: every entry as fp32, the paper's "without GCM" baseline."""

    name = "none"

    def compress(self, rows: torch.Tensor, step: int, at: Sequence[int] | None = None) -> list[Compressed]:
        rows_of(rows, at)
        return [Compressed(row.detach().clone(), None, row.numel(), "fp32") for row in rows]


class SeededStreams:
    """One seeded ``torch.Generator`` per worker, for compressors that draw at random."""

    def __init__(self, seeds: Sequence[int]):
        self.generators = [torch.Generator().manual_seed(int(s)) for s in seeds]

    def __getitem__(self, worker: int) -> torch.Generator:
        return self.generators[worker]

    def state_dict(self) -> dict:
        return {"generators": [g.get_state() for g in self.generators]}

    def load_state_dict(self, state: dict) -> None:
        for g, s in zip(self.generators, state["generators"], strict=True):
            g.set_state(s)


def rows_of(rows: torch.Tensor, at: Sequence[int] | None) -> list[int]:
    """The workers the rows belong to (``at``, default 0 … n − 1), checked against the row count."""
    at = list(range(len(rows))) if at is None else list(at)
    if rows.dim() != 2 or len(at) != len(rows):
        raise ValueError(f"a compressor takes a [workers, entries] stack and one worker per row; got shape "
                         f"{tuple(rows.shape)} for {len(at)} workers")
    return at
