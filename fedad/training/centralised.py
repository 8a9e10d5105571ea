"""Centralised training of a neural model on the pooled training data (the paper's baselines).

The optimiser is the same as the federated runs': SGD with momentum, the same η, batch size and
weight decay, so that a centralised / federated gap is not an optimiser gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from tqdm.auto import tqdm

OPTIMIZERS = ("sgd", "adam")


def fit_centralised(model: torch.nn.Module, task, max_epochs: int, patience: int, batch_size: int, lr: float,
                    momentum: float = 0.9, weight_decay: float = 0.0, min_epochs: int = 0, seed: int = 0,
                    device: torch.device | str = "cpu", progress: bool = False, desc: str = "epochs",
                    checkpoint: Callable[[dict], None] | None = None, checkpoint_every: int = 0,
                    resume: dict | None = None, optimizer: str = "sgd") -> dict:
    """Train until the validation loss has not improved for ``patience`` epochs (and at least
    ``min_epochs`` ran), or ``max_epochs``.

    ``optimizer``: "sgd" (momentum SGD, the federated runs' optimiser) or "adam" (``momentum`` unused), the
    choice the training search (:mod:`fedad.experiments.train_search`) makes for centralised models.

    One epoch is one shuffled pass over ``task.x_train`` in mini-batches of ``batch_size``; the
    validation loss (``task.evaluate(model)["val_loss"]``) is computed after every epoch and the best
    weights are restored at the end. Returns per-epoch records and the :class:`EarlyStopping` summary.
    ``checkpoint(state)`` every ``checkpoint_every`` epochs; ``resume=state`` continues exactly.
    """
    from fedad.training.early_stopping import EarlyStopping

    model.to(device).train()
    x, y = task.x_train.to(device), task.y_train.to(device)
    gen = torch.Generator().manual_seed(seed)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    optimiser = (torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay) if optimizer == "adam" else
                 torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay))
    stopper = EarlyStopping(patience, min_epochs=min_epochs)
    history, first = [], 0
    if resume is not None:
        model.load_state_dict(resume["model"])
        optimiser.load_state_dict(resume["optimiser"])
        gen.set_state(resume["generator"])
        stopper.load_state_dict(resume["stopper"])
        history, first = resume["history"], resume["epoch"]
    batch_size = min(batch_size, len(x))
    bar = tqdm(range(first, max_epochs), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        order = torch.randperm(len(x), generator=gen).to(device)
        start, losses = time.perf_counter(), []
        for i in range(0, len(x) - batch_size + 1, batch_size):  # a short last batch would skew BatchNorm
            idx = order[i : i + batch_size]
            optimiser.zero_grad(set_to_none=True)
            loss = task.loss(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()
            losses.append(loss.detach())
        compute_s = time.perf_counter() - start
        val_loss = task.evaluate(model)["val_loss"]
        history.append({"epoch": epoch + 1, "train_loss": float(torch.stack(losses).mean()), "val_loss": val_loss,
                        "compute_s": compute_s})
        bar.set_postfix(val=f"{val_loss:.5f}")
        if stopper.update(val_loss, model, epoch + 1):
            break
        if checkpoint is not None and checkpoint_every and (epoch + 1) % checkpoint_every == 0:
            checkpoint({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "generator": gen.get_state(),
                        "stopper": stopper.state_dict(), "history": history, "epoch": epoch + 1})
    stopper.restore(model)
    return {"history": history, **stopper.summary(len(history), max_epochs),
            "compute_s": float(sum(h["compute_s"] for h in history)), "steps_per_epoch": len(x) // batch_size}
