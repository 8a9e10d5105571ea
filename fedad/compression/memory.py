"""Error-feedback state of one worker (GRACE's ``Memory``): what was not sent is kept, not lost.

* :class:`NoMemory` — unsent entries are dropped (plain sparsification, an ablation).
* :class:`ResidualMemory` — local gradient accumulation (Algorithm 1, step 3): v ← v + g, send part of
  v, keep the rest.
* :class:`MomentumCorrection` — Eqs. 13–16: accumulate the momentum velocity u ← m·u + g into
  v ← v + u, so that a delayed coordinate arrives as if momentum SGD had run on it; sent entries of v
  are reset. ``factor_masking`` also resets u at sent entries (DGC's momentum factor masking).

After sending, ``update`` subtracts what the receiver actually decodes, so values rounded by the codec
(fp16, 8-bit) stay in the residual too: at every step ``sent + residual == accumulated`` exactly.
``update_at`` does the same from the sent entries alone (their indices and received values), for one
vector or a [workers, entries] stack: it equals ``update`` with the dense ``sent`` bit for bit, without
building it (the stacked pack's way: a dense ``sent`` and its mask cost four passes over the stack).
"""

from __future__ import annotations

import torch


class NoMemory:
    name = "none"

    def compensate(self, grad: torch.Tensor) -> torch.Tensor:
        return grad

    def update(self, compensated: torch.Tensor, sent: torch.Tensor, mask: torch.Tensor) -> None:
        pass

    def update_at(self, compensated: torch.Tensor, indices: torch.Tensor, received: torch.Tensor) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class ResidualMemory:
    """v ← v + g; after sending, v ← v − sent."""

    name = "residual"

    def __init__(self) -> None:
        self.residual: torch.Tensor | None = None

    def compensate(self, grad: torch.Tensor) -> torch.Tensor:
        self.residual = grad.clone() if self.residual is None else self.residual + grad
        return self.residual

    def update(self, compensated: torch.Tensor, sent: torch.Tensor, mask: torch.Tensor) -> None:
        self.residual = compensated - sent

    def update_at(self, compensated: torch.Tensor, indices: torch.Tensor, received: torch.Tensor) -> None:
        self.residual = _minus_at(compensated, indices, received)

    def state_dict(self) -> dict:
        return {"residual": self.residual}

    def load_state_dict(self, state: dict) -> None:
        self.residual = state["residual"]


class MomentumCorrection:
    """u ← m·u + g; v ← v + u; after sending, v ← v − sent (and u ← 0 where sent, if masking)."""

    name = "momentum"

    def __init__(self, momentum: float = 0.9, factor_masking: bool = False) -> None:
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self.factor_masking = factor_masking
        self.velocity: torch.Tensor | None = None
        self.residual: torch.Tensor | None = None

    def compensate(self, grad: torch.Tensor) -> torch.Tensor:
        self.velocity = grad.clone() if self.velocity is None else self.momentum * self.velocity + grad
        self.residual = self.velocity.clone() if self.residual is None else self.residual + self.velocity
        return self.residual

    def update(self, compensated: torch.Tensor, sent: torch.Tensor, mask: torch.Tensor) -> None:
        self.residual = compensated - sent
        if self.factor_masking:
            self.velocity = self.velocity.masked_fill(mask, 0.0)

    def update_at(self, compensated: torch.Tensor, indices: torch.Tensor, received: torch.Tensor) -> None:
        self.residual = _minus_at(compensated, indices, received)
        if self.factor_masking:  # ``update``'s mask is ``sent != 0``: a value received as 0 keeps its velocity
            at = self.velocity.gather(-1, indices)
            self.velocity = self.velocity.scatter(-1, indices, at.masked_fill(received != 0, 0.0))

    def state_dict(self) -> dict:
        return {"velocity": self.velocity, "residual": self.residual}

    def load_state_dict(self, state: dict) -> None:
        self.velocity, self.residual = state["velocity"], state["residual"]


def _minus_at(compensated: torch.Tensor, indices: torch.Tensor, received: torch.Tensor) -> torch.Tensor:
    """``compensated − sent`` where ``sent`` holds ``received`` at ``indices`` (last dimension, no repeats)
    and zeros elsewhere: x − 0 is x exactly, so only the sent entries are computed."""
    return compensated.scatter(-1, indices, compensated.gather(-1, indices) - received)
