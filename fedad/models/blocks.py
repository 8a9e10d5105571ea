"""Building blocks shared by the forecasting models."""

from __future__ import annotations

import torch
from torch import nn

from fedad.models.pooling import MaxPool1d


def conv_unit(in_channels: int, channels: tuple[int, ...], kernel: int = 3, pool: int = 2) -> nn.Sequential:
    """The paper's CNN unit: for each width, Conv1d → BatchNorm → ReLU → MaxPool (length ÷ pool)."""
    layers: list[nn.Module] = []
    for out in channels:
        layers += [nn.Conv1d(in_channels, out, kernel, padding=kernel // 2), nn.BatchNorm1d(out), nn.ReLU(),
                   MaxPool1d(pool)]
        in_channels = out
    return nn.Sequential(*layers)


class ForecastHead(nn.Module):
    """Linear map from a feature vector to the next T points of D channels: [B, F] → [B, T, D]."""

    def __init__(self, features: int, horizon: int, dims: int, hidden: int | None = None):
        super().__init__()
        self.horizon, self.dims = horizon, dims
        if hidden:
            self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, horizon * dims))
        else:
            self.net = nn.Linear(features, horizon * dims)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h).view(-1, self.horizon, self.dims)


def last_step(rnn_output: torch.Tensor) -> torch.Tensor:
    """The last time step of a batch-first recurrent output [B, L, H] → [B, H]."""
    return rnn_output[:, -1]
