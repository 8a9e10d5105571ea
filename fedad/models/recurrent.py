"""LSTM and GRU baselines: two stacked recurrent layers (64 → 32) and a dense layer of 50 (PAPER.md §7)."""

from __future__ import annotations

import torch
from torch import nn

from fedad.models.blocks import ForecastHead, last_step


class StackedRNN(nn.Module):
    """Input [B, n, D] → RNN(h1) → RNN(h2) → dense(50, ReLU) → forecast [B, T, D]."""

    def __init__(self, cell: str, dims: int, horizon: int, window: int | None = None,
                 hidden: tuple[int, int] = (64, 32), dense: int = 50):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn1 = rnn(dims, hidden[0], batch_first=True)
        self.rnn2 = rnn(hidden[0], hidden[1], batch_first=True)
        self.head = ForecastHead(hidden[1], horizon, dims, hidden=dense)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn1(x)
        out, _ = self.rnn2(out)
        return self.head(last_step(out))


def LSTMModel(dims: int, horizon: int, window: int | None = None, **kw) -> StackedRNN:
    return StackedRNN("lstm", dims, horizon, window, **kw)


def GRUModel(dims: int, horizon: int, window: int | None = None, **kw) -> StackedRNN:
    return StackedRNN("gru", dims, horizon, window, **kw)
