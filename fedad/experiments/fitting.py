"""Fitting a run's model, for every experiment that trains one (detect, comm, ucr, the training search):
the data side of a run, the model builder, training as the run's variant says (centralised, federated,
local, none) and the forecasts of the fitted model."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import torch

from fedad.data.partition import partition
from fedad.data.protocol import protocol_for
from fedad.detection.pipeline import prepare_series
from fedad.experiments.common import ConfigError, federated_run
from fedad.federated.loop import EpochBudget, build_trainer, pick_device
from fedad.models import NEURAL_FORECASTERS, REFERENCES, build_model
from fedad.models.references import SeasonalNaive
from fedad.models.seasonal_residual import SeasonalResidual
from fedad.results import ResultStore, finite_or_none
from fedad.seeding import seed_everything
from fedad.training.centralised import fit_centralised
from fedad.training.tasks import predict


@lru_cache(maxsize=4)
def _prepared(protocol_json: str, horizon: int, window: int | None):
    protocol = protocol_for(json.loads(protocol_json)["dataset"], json.loads(protocol_json))
    return prepare_series(protocol, horizon, window)


def prepared(run: dict):
    """The data side of a run (cached per process: every model of a data set shares it)."""
    return _prepared(json.dumps(run["protocol"], sort_keys=True), run["horizon"], run.get("window") or None)


def model_builder(run: dict, dims: int, window: int, period: int | None = None):
    """A function that builds the run's model afresh (for the trainer's replicas and seeded restarts)."""
    kwargs = dict(run.get("model_kwargs", {}).get(run["model"], {}))
    if run["model"] == "seasonal_naive":
        kwargs["period"] = period
    if (run.get("eq9") or {}).get("target") == "seasonal_residual" and run["model"] not in REFERENCES:
        if run["model"] not in NEURAL_FORECASTERS:
            raise ConfigError(f"{run['label']}: a seasonal-residual target needs a neural forecaster")
        return lambda: SeasonalResidual(build_model(run["model"], dims=dims, horizon=run["horizon"], window=window,
                                                    **kwargs), period, window, run["horizon"])
    return lambda: build_model(run["model"], dims=dims, horizon=run["horizon"], window=window, **kwargs)


def fit_task(prep, run: dict):
    """The run's training task: the prepared series' fitting windows, thinned by ``fit_stride``."""
    task = prep.task()
    stride = int(run.get("fit_stride", 1))
    if stride > 1:  # neighbouring stride-1 windows overlap in all but one point; the quick profile thins them
        task.x_train, task.y_train = task.x_train[::stride], task.y_train[::stride]
    return task


def train_model(run: dict, prep, store: ResultStore, progress: bool) -> tuple[object, dict, list]:
    """Train (or fit) the run's model as its variant says; return it, facts for the result, and records."""
    build = model_builder(run, prep.dims, prep.window, prep.period)
    training = run["training"]
    if training == "none" or run["model"] == "svm":
        seed_everything(run["seed"])
        kwargs = run.get("svm", {}) if run["model"] == "svm" else {}
        model = build() if not kwargs else build_model("svm", dims=prep.dims, horizon=run["horizon"],
                                                       window=prep.window, **kwargs)
        model.fit(prep.windows["fit"].x, prep.windows["fit"].y)
        facts = {"training": "none" if run["model"] in REFERENCES else "centralised"}
        if run["model"] == "svm":
            facts["svm_train_windows"] = model.n_fit
        return model, facts, []
    task = fit_task(prep, run)
    budget = run["budget"]
    if training == "federated":
        trainer = build_trainer(task, build, run["federated"], run["seed"], EpochBudget.from_dict(budget))
        result = federated_run(trainer, run, store, progress)
        facts = {"training": "federated", "lr": trainer.config.lr, **result.totals(trainer.n_params),
                 "n_params": trainer.n_params, "round_engine": trainer.backend.round_engine,
                 "rounds_per_epoch": trainer.rounds_per_epoch,
                 **trainer.stopper.summary(trainer.epochs_run, budget["max_epochs"])}
        return trainer.aggregator.model, facts, result.records[:: max(1, len(result.records) // 400)]
    if training == "local":  # control (f): one device trains on its own partition, nothing else
        local = run["local"]
        parts = partition(local["partition"], len(task.x_train), local["n_workers"], run["seed"])
        own = torch.from_numpy(parts[run["worker"]])
        task.x_train, task.y_train = task.x_train[own], task.y_train[own]
    seed_everything(run["seed"])
    model = build()
    train = run["train"]
    out = fit_centralised(model, task, budget["max_epochs"], budget["patience"], train["batch_size"], train["lr"],
                          train.get("momentum", 0.9), min_epochs=budget.get("min_epochs", 0), seed=run["seed"],
                          device=pick_device(), progress=progress,
                          desc=run["label"], checkpoint=lambda s: store.save_checkpoint(run, s),
                          checkpoint_every=run.get("checkpoint_every", 0), resume=store.load_checkpoint(run),
                          optimizer=train.get("optimizer", "sgd"))
    facts = {"training": training, "lr": train["lr"], "optimizer": train.get("optimizer", "sgd"),
             "n_params": sum(p.numel() for p in model.parameters()),
             **({"worker": run["worker"], "worker_windows": len(task.x_train)} if training == "local" else {}),
             **{k: v for k, v in out.items() if k != "history"}}
    return model, facts, out["history"]


def forecast(model, x: np.ndarray, periods: np.ndarray | None = None) -> np.ndarray:
    """A model's forecasts of windows ``x``; seasonal-naive looks back each window's own record ``periods``."""
    if isinstance(model, torch.nn.Module):
        return predict(model.cpu(), torch.from_numpy(x)).numpy()
    if isinstance(model, SeasonalNaive):
        return model.predict(x, periods)
    return model.predict(x)


def trained_loss(run: dict, prep, store: ResultStore, progress: bool) -> dict:
    """Train the run's model on ``prep`` and keep its best validation loss, the result of a sweep or search
    run; a configuration that diverges loses (best_val_loss None, and why) instead of ending the experiment."""
    try:
        _, facts, records = train_model(run, prep, store, progress)
    except FloatingPointError as exc:
        return {"metrics": {"training": run["training"], "best_val_loss": None, "diverged": str(exc)}, "records": []}
    loss = finite_or_none(facts.get("best_val_loss"))
    return {"metrics": {**facts, "best_val_loss": loss,
                        "diverged": None if loss is not None else "no finite validation loss"}, "records": records}
