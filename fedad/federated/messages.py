"""What crosses the worker ↔ aggregator boundary: bytes and a few scalars, never samples or tensors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpdateMessage:
    """A worker's upload for one round: the encoded update and how it was made."""

    worker_id: str
    round: int
    payload: bytes
    n_samples: int
    loss: float
    compute_s: float

    @property
    def nbytes(self) -> int:
        return len(self.payload)


@dataclass(frozen=True)
class Broadcast:
    """The aggregator's message to every worker: the encoded change of the global weights."""

    round: int
    payload: bytes

    @property
    def nbytes(self) -> int:
        return len(self.payload)
