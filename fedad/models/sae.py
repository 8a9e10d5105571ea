"""Stacked autoencoder (SAE) baseline, 128-64-32-16-32-64-128 (PAPER.md §7).

Choice: the SAE *forecasts from its code*. The flattened window is encoded to 16 numbers and decoded
back; a linear head reads the next T points off the code. Training minimises forecast MSE plus the
reconstruction MSE of the window (weight ``recon_weight``), so the code must both summarise the window
and predict from it. The forecast makes it comparable with the other models: the same RMSE (Eq. 17) and
the same forecast-error scores (Eq. 10).
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn
from torch.nn import functional as F

from fedad.models.blocks import ForecastHead


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in pairwise(sizes):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no activation on the last layer


class StackedAutoencoder(nn.Module):
    """In training mode returns (forecast, reconstruction loss); in eval mode the forecast only."""

    def __init__(self, dims: int, horizon: int, window: int, widths: tuple[int, ...] = (128, 64, 32, 16),
                 recon_weight: float = 1.0):
        super().__init__()
        flat = window * dims
        self.encoder = _mlp([flat, *widths])
        self.decoder = _mlp([*reversed(widths), flat])
        self.head = ForecastHead(widths[-1], horizon, dims)
        self.recon_weight = recon_weight

    def forward(self, x: torch.Tensor):
        flat = x.flatten(1)
        code = self.encoder(flat)
        forecast = self.head(code)
        if self.training:
            return forecast, self.recon_weight * F.mse_loss(self.decoder(code), flat)
        return forecast
