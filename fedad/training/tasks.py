"""What a model learns and how it is scored: classification (Fig. 4) or forecasting (Figs. 5–7).

A task holds its training tensors (which the federated loop partitions across workers) and its test
tensors (which only the evaluation reads), the loss, and the evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F


def objective(output, target: torch.Tensor, base) -> torch.Tensor:
    """``base(output, target)``, plus a model's auxiliary loss when it returns ``(output, aux)`` (SAE)."""
    if isinstance(output, tuple):
        main, aux = output
        return base(main, target) + aux
    return base(output, target)


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, batch: int = 2048) -> torch.Tensor:
    """Model outputs for ``x`` in eval mode, in batches (restores the previous mode)."""
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        return torch.cat([model(x[i : i + batch].to(device)).cpu() for i in range(0, len(x), batch)])
    finally:
        model.train(was_training)


def classification_loss(output, target: torch.Tensor) -> torch.Tensor:
    return objective(output, target, F.cross_entropy)


def forecast_loss(output, target: torch.Tensor) -> torch.Tensor:
    return objective(output, target, F.mse_loss)


LOSSES = {"classification": classification_loss, "forecast": forecast_loss}


def _accuracy_and_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Accuracy (percent) and mean cross-entropy of ``model`` on ``x``, ``y``."""
    logits = predict(model, x)
    return 100.0 * float((logits.argmax(1) == y).float().mean()), float(F.cross_entropy(logits, y))


@dataclass
class ClassificationTask:
    """Image classification with cross-entropy; evaluated by test accuracy (percent)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    name: str = "classification"
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    kind = "classification"
    loss = staticmethod(classification_loss)

    def evaluate(self, model: torch.nn.Module) -> dict:
        """Test accuracy (percent) and loss; with a validation set also ``val_loss`` and ``val_accuracy``,
        which early stopping watches (it never sees the test set)."""
        accuracy, loss = _accuracy_and_loss(model, self.x_test, self.y_test)
        out = {"accuracy": accuracy, "test_loss": loss}
        if self.x_val is not None:
            out["val_accuracy"], out["val_loss"] = _accuracy_and_loss(model, self.x_val, self.y_val)
        return out

    @property
    def train_labels(self) -> np.ndarray:
        return self.y_train.numpy()


@dataclass
class ForecastTask:
    """T-step forecasting with mean squared error.

    ``evaluate`` gives the validation loss (MSE on ``x_val``, what early stopping watches) when a
    validation set is given, and the test RMSE (Eq. 17) when a test set is given. The detection
    experiment passes no test set: its test part is read once, after training.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor | None
    y_test: torch.Tensor | None
    name: str = "forecast"
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    kind = "forecast"
    loss = staticmethod(forecast_loss)

    def evaluate(self, model: torch.nn.Module) -> dict:
        out = {}
        if self.x_val is not None and len(self.x_val):
            out["val_loss"] = float(F.mse_loss(predict(model, self.x_val), self.y_val))
        if self.x_test is not None:
            out["rmse"] = float(torch.sqrt(F.mse_loss(predict(model, self.x_test), self.y_test)))
        return out

    @property
    def train_labels(self) -> None:
        return None
