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


@dataclass
class ClassificationTask:
    """Image classification with cross-entropy; evaluated by test accuracy (percent)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    name: str = "classification"
    kind = "classification"
    loss = staticmethod(classification_loss)

    def evaluate(self, model: torch.nn.Module) -> dict:
        logits = predict(model, self.x_test)
        return {"accuracy": 100.0 * float((logits.argmax(1) == self.y_test).float().mean()),
                "test_loss": float(F.cross_entropy(logits, self.y_test))}

    @property
    def train_labels(self) -> np.ndarray:
        return self.y_train.numpy()


@dataclass
class ForecastTask:
    """T-step forecasting with mean squared error; evaluated by RMSE (Eq. 17) on the test windows."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    name: str = "forecast"
    kind = "forecast"
    loss = staticmethod(forecast_loss)

    def evaluate(self, model: torch.nn.Module) -> dict:
        pred = predict(model, self.x_test)
        return {"rmse": float(torch.sqrt(F.mse_loss(pred, self.y_test)))}

    @property
    def train_labels(self) -> None:
        return None
