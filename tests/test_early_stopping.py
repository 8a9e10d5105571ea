import math

import pytest
import torch

from fedad.training.centralised import fit_centralised
from fedad.training.early_stopping import EarlyStopping
from fedad.training.tasks import ForecastTask


def test_stops_after_patience_without_improvement_and_restores_the_best():
    model = torch.nn.Linear(1, 1)
    stopper = EarlyStopping(patience=2)
    values = [1.0, 0.5, 0.7, 0.6]
    stops = []
    for epoch, v in enumerate(values, start=1):
        with torch.no_grad():
            model.weight.fill_(epoch)
        stops.append(stopper.update(v, model, epoch))
    assert stops == [False, False, False, True] and stopper.best == 0.5 and stopper.best_epoch == 2
    stopper.restore(model)
    assert model.weight.item() == 2.0
    summary = stopper.summary(4, 10)
    assert summary["converged"] and not summary["hit_cap"] and len(summary["val_history"]) == 4


def test_non_finite_losses_never_count_as_best():
    stopper = EarlyStopping(patience=1)
    assert stopper.update(math.nan, torch.nn.Linear(1, 1), 1) and stopper.best == math.inf


def test_patience_must_be_positive():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def _task(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, 1, generator=g)
    y = x[:, -1:, :] * 0.5
    return ForecastTask(x[:192], y[:192], None, None, x_val=x[192:], y_val=y[192:])


def test_centralised_fit_converges_or_reports_the_cap_and_is_repeatable():
    def run(max_epochs):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1), torch.nn.Unflatten(1, (1, 1)))
        return fit_centralised(model, _task(), max_epochs, patience=3, batch_size=32, lr=0.1, seed=1), model

    (a, _), (b, _) = run(200), run(200)
    assert a["converged"] and a["epochs_run"] < 200 and a["best_val_loss"] < 1e-3
    assert [h["val_loss"] for h in a["history"]] == [h["val_loss"] for h in b["history"]]
    capped, _ = run(2)
    assert capped["hit_cap"] and capped["epochs_run"] == 2


def test_no_stop_before_min_epochs_even_on_a_plateau():
    stopper = EarlyStopping(patience=2, min_epochs=5)
    model = torch.nn.Linear(1, 1)
    assert [stopper.update(1.0, model, e) for e in range(1, 7)] == [False] * 4 + [True, True]
