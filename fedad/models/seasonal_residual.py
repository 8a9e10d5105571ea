"""A forecaster of seasonal residuals: the wrapped network forecasts x_t − x_{t−P}, and the forecast is
seasonal-naive's x_{t−P} plus that residual. Trained on the ordinary targets, the wrapped network's loss
is exactly the residual's, so the same training code (centralised or federated) serves both.

This is a labelled variant of Eq. 9 (REPORT.md's Eq. 9 controls), never the paper's model.
"""

from __future__ import annotations

import torch
from torch import nn


class SeasonalResidual(nn.Module):
    """``forward(x [B, n, D]) → [B, T, D]``: ``x[:, n−P : n−P+T] + net(x)``; needs T ≤ P ≤ n. A network
    that returns ``(forecast, auxiliary loss)`` in training keeps its auxiliary loss."""

    def __init__(self, net: nn.Module, period: int, window: int, horizon: int):
        super().__init__()
        if not horizon <= period <= window:
            raise ValueError(f"a seasonal residual needs horizon {horizon} <= period {period} <= window {window}")
        self.net, self.period, self.window, self.horizon = net, period, window, horizon

    def forward(self, x: torch.Tensor):
        start = x.shape[1] - self.period
        seasonal = x[:, start : start + self.horizon, :]
        out = self.net(x)
        if isinstance(out, tuple):  # a network with an auxiliary loss (SAE) keeps it
            return seasonal + out[0], *out[1:]
        return seasonal + out
