"""AMCNN-LSTM (PAPER.md §3): a CNN unit times a parallel attention map (Eq. 7), then an LSTM (Eq. 8)
forecasting the next T points (Eq. 9)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from fedad.models.blocks import ForecastHead, conv_unit, last_step
from fedad.models.pooling import MaxPool1d


class AttentionBranch(nn.Module):
    """Feature aggregation (stacked conv + pooling, one level coarser than the CNN unit), a 1×1
    convolution, scale restoration (linear upsampling) to the CNN unit's length, then a sigmoid:
    an attention weight in [0, 1] for every (time step, feature map) of the CNN unit."""

    def __init__(self, in_channels: int, channels: tuple[int, ...]):
        super().__init__()
        self.aggregate = nn.Sequential(conv_unit(in_channels, channels), MaxPool1d(2))
        self.mix = nn.Conv1d(channels[-1], channels[-1], kernel_size=1)

    def forward(self, x: torch.Tensor, length: int) -> torch.Tensor:
        a = self.mix(self.aggregate(x))
        a = F.interpolate(a, size=length, mode="linear", align_corners=False)
        return torch.sigmoid(a)


class AMCNNLSTM(nn.Module):
    """Input [B, n, D] → forecast [B, T, D].

    W = W_CNN ⊙ W_attention (Eq. 7) on [B, m, n'] feature maps, fed as a sequence of n' steps of m
    features to an LSTM whose last hidden state a linear head maps to T × D outputs. The last attention
    map is kept in ``self.last_attention`` ([B, m, n'], detached) for plotting.
    """

    def __init__(self, dims: int, horizon: int, window: int, channels: tuple[int, ...] = (32, 64),
                 lstm_hidden: int = 64, lstm_layers: int = 1):
        super().__init__()
        if window // 2 ** (len(channels) + 1) < 1:
            raise ValueError(f"window {window} too short for {len(channels)} pooling levels plus attention")
        self.cnn = conv_unit(dims, channels)
        self.attention = AttentionBranch(dims, channels)
        self.lstm = nn.LSTM(channels[-1], lstm_hidden, num_layers=lstm_layers, batch_first=True)
        self.head = ForecastHead(lstm_hidden, horizon, dims)
        self.last_attention: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)  # [B, D, n]
        features = self.cnn(x)  # [B, m, n']
        weights = self.attention(x, features.shape[-1])
        # under vmap the weights are a per-worker wrapper that must not escape; torch.compile cannot ask
        if torch.compiler.is_compiling() or not torch._C._functorch.is_functorch_wrapped_tensor(weights):
            self.last_attention = weights.detach()
        out, _ = self.lstm((features * weights).transpose(1, 2))
        return self.head(last_step(out))
