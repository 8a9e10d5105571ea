"""Centralised training of a neural model on the pooled training data (the paper's baselines).

The optimiser is the same as the federated runs': SGD with momentum, the same η, batch size and
weight decay, so that a centralised / federated gap is not an optimiser gap.
"""

from __future__ import annotations

import time

import torch
from tqdm.auto import tqdm


def train_centralised(model: torch.nn.Module, task, steps: int, batch_size: int, lr: float, momentum: float = 0.9,
                      weight_decay: float = 0.0, seed: int = 0, device: torch.device | str = "cpu",
                      progress: bool = False, desc: str = "steps") -> list[dict]:
    """``steps`` SGD steps on shuffled mini-batches of ``task.x_train``; returns per-step records."""
    model.to(device).train()
    x, y = task.x_train.to(device), task.y_train.to(device)
    gen = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    batch_size = min(batch_size, len(x))
    order, pos, history = torch.randperm(len(x), generator=gen), 0, []
    for step in tqdm(range(steps), desc=desc, disable=not progress, leave=False):
        if pos + batch_size > len(x):
            order, pos = torch.randperm(len(x), generator=gen), 0
        idx = order[pos : pos + batch_size].to(device)
        pos += batch_size
        start = time.perf_counter()
        optimiser.zero_grad(set_to_none=True)
        loss = task.loss(model(x[idx]), y[idx])
        loss.backward()
        optimiser.step()
        history.append({"step": step, "loss": loss.item(), "compute_s": time.perf_counter() - start})
    return history
