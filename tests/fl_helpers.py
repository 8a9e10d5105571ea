"""Small real-valued tasks for federated tests (synthetic tensors: unit tests, not experiments)."""

from __future__ import annotations

import torch
from torch import nn

from fedad.federated.config import FederatedConfig
from fedad.training.tasks import ClassificationTask, ForecastTask


def blob_task(n: int = 400, dims: int = 8, classes: int = 3, seed: int = 0) -> ClassificationTask:
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(classes, dims, generator=g) * 3
    y = torch.randint(0, classes, (n,), generator=g)
    x = centres[y] + torch.randn(n, dims, generator=g)
    return ClassificationTask(x[: n * 3 // 4], y[: n * 3 // 4], x[n * 3 // 4 :], y[n * 3 // 4 :])


def sine_task(n: int = 300, window: int = 16, horizon: int = 2, seed: int = 0) -> ForecastTask:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n + window + horizon, dtype=torch.float32)
    s = 0.5 + 0.4 * torch.sin(t / 3) + 0.02 * torch.randn(len(t), generator=g)
    x = torch.stack([s[i : i + window] for i in range(n)]).unsqueeze(-1)
    y = torch.stack([s[i + window : i + window + horizon] for i in range(n)]).unsqueeze(-1)
    return ForecastTask(x[:240], y[:240], x[240:], y[240:])


def mlp(dims: int = 8, classes: int = 3) -> nn.Module:
    return nn.Sequential(nn.Linear(dims, 16), nn.ReLU(), nn.Linear(16, classes))


def cfg(**kw) -> FederatedConfig:
    base = {"n_workers": 4, "rounds": 5, "batch_size": 8, "lr": 0.1, "momentum": 0.9, "compressor": "topk",
            "rho": 10.0, "value_format": "fp32", "engine": "serial"}
    base.update(kw)
    return FederatedConfig(**base)
