"""Centralised training of a neural model on the pooled training data (the paper's baselines).

The optimiser is the same as the federated runs': SGD with momentum, the same η, batch size and
weight decay, so that a centralised / federated gap is not an optimiser gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from tqdm.auto import tqdm


def train_centralised(model: torch.nn.Module, task, steps: int, batch_size: int, lr: float, momentum: float = 0.9,
                      weight_decay: float = 0.0, seed: int = 0, device: torch.device | str = "cpu",
                      progress: bool = False, desc: str = "steps", checkpoint: Callable[[dict], None] | None = None,
                      checkpoint_every: int = 0, resume: dict | None = None) -> list[dict]:
    """``steps`` SGD steps on shuffled mini-batches of ``task.x_train``; returns per-step records.

    Every ``checkpoint_every`` steps ``checkpoint(state)`` receives everything needed to continue;
    passing that state back as ``resume`` continues the run exactly where it stopped.
    """
    model.to(device).train()
    x, y = task.x_train.to(device), task.y_train.to(device)
    gen = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    batch_size = min(batch_size, len(x))
    order, pos, history, first = torch.randperm(len(x), generator=gen), 0, [], 0
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimiser.load_state_dict(resume["optimiser"])
        gen.set_state(resume["generator"])
        order, pos, history, first = resume["order"], resume["pos"], resume["history"], resume["step"]
    for step in tqdm(range(first, steps), desc=desc, disable=not progress, leave=False):
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
        if checkpoint is not None and checkpoint_every and (step + 1) % checkpoint_every == 0 and step + 1 < steps:
            checkpoint({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "generator": gen.get_state(),
                        "order": order, "pos": pos, "history": history, "step": step + 1})
    return history
