"""CNN-LSTM baseline: AMCNN-LSTM's CNN unit and LSTM without the attention branch, so that the
comparison isolates what attention adds."""

from __future__ import annotations

import torch
from torch import nn

from fedad.models.blocks import ForecastHead, conv_unit, last_step


class CNNLSTM(nn.Module):
    """Input [B, n, D] → CNN unit → LSTM → forecast [B, T, D]."""

    def __init__(self, dims: int, horizon: int, window: int, channels: tuple[int, ...] = (32, 64),
                 lstm_hidden: int = 64, lstm_layers: int = 1):
        super().__init__()
        if window // 2 ** len(channels) < 1:
            raise ValueError(f"window {window} too short for {len(channels)} pooling levels")
        self.cnn = conv_unit(dims, channels)
        self.lstm = nn.LSTM(channels[-1], lstm_hidden, num_layers=lstm_layers, batch_first=True)
        self.head = ForecastHead(lstm_hidden, horizon, dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.cnn(x.transpose(1, 2)).transpose(1, 2))
        return self.head(last_step(out))
