"""Convergence by validation loss: stop after ``patience`` evaluations without improvement and keep the
weights of the best one (early stopping). Centralised and federated training use the same object, so
that "converged" means the same for every model of a run.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import torch


@dataclass
class EarlyStopping:
    """Watches one validation metric (lower is better) evaluated once per ``eval_every`` epochs.

    ``update`` returns True when training should stop: ``patience`` evaluations in a row without
    improvement, never before ``min_epochs`` (recurrent models often sit on a plateau — predicting the
    mean — for a few epochs before they learn; stopping there would call a model converged that never
    started). ``best_state`` holds a copy of the model's
    ``state_dict`` (parameters and buffers) at the best evaluation; :meth:`restore` puts it back.
    """

    patience: int
    min_epochs: float = 0.0
    min_delta: float = 0.0
    best: float = math.inf
    best_epoch: float = 0.0
    bad_evaluations: int = 0
    evaluations: int = 0
    history: list[dict] = field(default_factory=list)
    last_epoch: float = 0.0
    best_state: dict | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.patience < 1:
            raise ValueError(f"patience must be >= 1 evaluation, got {self.patience}")

    def update(self, value: float, model: torch.nn.Module, epoch: float) -> bool:
        """Record one evaluation; True when ``patience`` evaluations in a row brought no improvement."""
        self.evaluations += 1
        self.history.append({"epoch": epoch, "val_loss": value})
        if math.isfinite(value) and value < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_evaluations = value, epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_evaluations += 1
        self.last_epoch = epoch
        return self.stopped

    @property
    def stopped(self) -> bool:
        return self.bad_evaluations >= self.patience and self.last_epoch >= self.min_epochs

    def restore(self, model: torch.nn.Module) -> None:
        """Load the best weights into ``model`` (no-op before the first finite evaluation)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)

    def summary(self, epochs_run: float, max_epochs: float) -> dict:
        """What every result records about convergence."""
        return {"epochs_run": epochs_run, "max_epochs": max_epochs, "best_val_loss": self.best,
                "best_epoch": self.best_epoch, "converged": self.stopped, "hit_cap": not self.stopped,
                "patience": self.patience, "min_epochs": self.min_epochs, "val_history": self.history}

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("best", "best_epoch", "bad_evaluations", "evaluations", "history",
                                                "last_epoch", "best_state")}

    def load_state_dict(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, v)
