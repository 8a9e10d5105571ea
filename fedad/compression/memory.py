"""Error-feedback state of a group of workers (GRACE's ``Memory``): what was not sent is kept, not lost.

Every memory works on a [workers, entries] stack, one row per worker, and holds one row of state per
worker (None until the first :meth:`Memory.compensate`).

* :class:`NoMemory` — unsent entries are dropped (plain sparsification, an ablation).
* :class:`ResidualMemory` — local gradient accumulation (Algorithm 1, steps 1 and 3): v ← v + g, send part of
  v, keep the rest.
* :class:`MomentumCorrection` — Algorithm 1, step 4 (Eqs. 13–16): accumulate the momentum velocity u ← m·u + g into
  v ← v + u, so that a delayed coordinate arrives as if momentum SGD had run on it; sent entries of v
  are reset. ``factor_masking`` also resets u at sent entries (DGC's momentum factor masking).

After sending, :meth:`Memory.update` subtracts what the receiver actually decodes, so values rounded by
the codec (fp16, 8-bit) stay in the residual too: at every step ``sent + residual == accumulated``
exactly. It takes the sent entries alone (their indices and received values): x − 0 is x exactly, so
only those entries are computed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import torch


class Memory(ABC):
    """Compensate a stack of updates with what earlier rounds kept back, then keep back what was not sent."""

    name: str

    @abstractmethod
    def compensate(self, rows: torch.Tensor) -> torch.Tensor:
        """The [n, P] stack to select from: ``rows`` plus what each row's worker kept back."""

    @abstractmethod
    def update(self, compensated: torch.Tensor, indices: torch.Tensor | None, received: torch.Tensor) -> None:
        """Keep what was not sent: ``received`` ([n, k]) arrived at ``indices`` ([n, k]); with ``indices``
        None every entry was sent and ``received`` is [n, P]."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:  # noqa: B027 — optional: most have nothing here
        pass

    def rows(self, at: Sequence[int]) -> Memory:
        """A memory of the same kind holding only the rows ``at`` (their state copied)."""
        sub = type(self).__new__(type(self))
        sub.__dict__.update(self.__dict__)
        sub.load_state_dict({key: None if value is None else value[list(at)] for key, value in self.state_dict().items()})
        return sub

    def put_rows(self, at: Sequence[int], sub: Memory, n_rows: int) -> None:
        """Write back the state of ``sub`` (made by :meth:`rows`) into rows ``at`` of ``n_rows``. Rows that
        have never been compensated start from zeros."""
        merged = {}
        for key, value in sub.state_dict().items():
            mine = self.state_dict()[key]
            if value is None:
                merged[key] = mine
                continue
            full = torch.zeros(n_rows, value.shape[1], dtype=value.dtype) if mine is None else mine.clone()
            full[list(at)] = value
            merged[key] = full
        self.load_state_dict(merged)


class NoMemory(Memory):
    name = "none"

    def compensate(self, rows: torch.Tensor) -> torch.Tensor:
        return rows

    def update(self, compensated: torch.Tensor, indices: torch.Tensor | None, received: torch.Tensor) -> None:
        pass


class ResidualMemory(Memory):
    """v ← v + g; after sending, v ← v − sent."""

    name = "residual"

    def __init__(self) -> None:
        self.residual: torch.Tensor | None = None

    def compensate(self, rows: torch.Tensor) -> torch.Tensor:
        self.residual = rows.clone() if self.residual is None else self.residual + rows
        return self.residual

    def update(self, compensated: torch.Tensor, indices: torch.Tensor | None, received: torch.Tensor) -> None:
        self.residual = minus_sent(compensated, indices, received)

    def state_dict(self) -> dict:
        return {"residual": self.residual}

    def load_state_dict(self, state: dict) -> None:
        self.residual = state["residual"]


class MomentumCorrection(Memory):
    """u ← m·u + g; v ← v + u; after sending, v ← v − sent (and u ← 0 where sent, if masking)."""

    name = "momentum"

    def __init__(self, momentum: float = 0.9, factor_masking: bool = False) -> None:
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self.factor_masking = factor_masking
        self.velocity: torch.Tensor | None = None
        self.residual: torch.Tensor | None = None

    def compensate(self, rows: torch.Tensor) -> torch.Tensor:
        # in place: the same multiply and adds as m·u + g and v + u, without two [N, P] allocations a round;
        # no one else holds these tensors (update replaces the residual, rows() and put_rows() copy)
        self.velocity = rows.clone() if self.velocity is None else self.velocity.mul_(self.momentum).add_(rows)
        self.residual = self.velocity.clone() if self.residual is None else self.residual.add_(self.velocity)
        return self.residual

    def update(self, compensated: torch.Tensor, indices: torch.Tensor | None, received: torch.Tensor) -> None:
        self.residual = minus_sent(compensated, indices, received)
        if self.factor_masking:  # an entry received as 0 keeps its velocity (nothing of it was delivered)
            if indices is None:
                self.velocity = self.velocity.masked_fill(received != 0, 0.0)
            else:
                at = self.velocity.gather(-1, indices)
                self.velocity = self.velocity.scatter(-1, indices, at.masked_fill(received != 0, 0.0))

    def state_dict(self) -> dict:
        return {"velocity": self.velocity, "residual": self.residual}

    def load_state_dict(self, state: dict) -> None:
        # copies: compensate works in place, so two memories must never share a tensor
        self.velocity, self.residual = (None if state[k] is None else state[k].clone() for k in ("velocity", "residual"))


def minus_sent(compensated: torch.Tensor, indices: torch.Tensor | None, received: torch.Tensor) -> torch.Tensor:
    """``compensated − sent``, where ``sent`` holds ``received`` at ``indices`` (last dimension, no repeats)
    and zeros elsewhere, or is ``received`` itself when ``indices`` is None."""
    if indices is None:
        return compensated - received
    return compensated.scatter(-1, indices, compensated.gather(-1, indices) - received)
