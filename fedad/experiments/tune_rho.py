"""Fig. 4 — tuning ρ: the simple CNN (2 conv + 1 FC) trained federated (N workers, Algorithm 1) on
MNIST, CIFAR-10 (the original batches, else the lossy JPEG copy) and Fashion-MNIST, for every ρ of the
grid; test accuracy and the measured compression ratio of each run.

A config may change the federated settings of one data set (``dataset_overrides``), run learning-rate
controls (``lr_control``: the same runs at another η for a data set and ρ, kept out of Fig. 4 and read
by REPORT.md), and train to convergence (``budget``: early stopping on a validation split carved from
the training set, never on the test set).

    python -m reproduce.tune_rho --profile quick          # then: python -m figures fig4
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from fedad.data import DatasetAbsentError, load_images
from fedad.experiments.common import ConfigError, federated_run, parse_args, prepare, run_all
from fedad.federated.config import FederatedConfig
from fedad.federated.loop import EpochBudget, build_trainer, rounds_for
from fedad.models import build_model
from fedad.results import ResultStore, atomic_write_json
from fedad.training.tasks import ClassificationTask

EXPERIMENT = "tune_rho"


@lru_cache(maxsize=2)
def _data(name: str):
    return load_images(name)


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    data = _data(run["dataset"])
    channels, side = data.input_shape[0], data.input_shape[1]
    budget = run.get("budget")
    fed = dict(run["federated"], rho=run["rho"])
    if budget:
        x_tr, y_tr, x_val, y_val = validation_split(data.x_train, data.y_train, budget["val_fraction"])
        task = ClassificationTask(x_tr, y_tr, data.x_test, data.y_test, name=run["dataset"], x_val=x_val, y_val=y_val)
        budget = EpochBudget.from_dict(budget)
    else:
        task = ClassificationTask(data.x_train, data.y_train, data.x_test, data.y_test, name=run["dataset"])
        if not fed.get("rounds"):
            if not run.get("epochs"):
                raise ConfigError("give either a number of rounds or 'epochs'")
            fed["rounds"] = rounds_for(run["epochs"], len(task.x_train), FederatedConfig.from_dict({**fed, "rounds": 1}))

    def model_fn():
        return build_model("simple_cnn", in_channels=channels, image_size=side, n_classes=data.n_classes,
                           channels=tuple(run["model"]["channels"]))

    trainer = build_trainer(task, model_fn, fed, run["seed"], budget)
    config, stopper = trainer.config, trainer.stopper
    result = federated_run(trainer, run, store, progress)
    losses = [r["loss"] for r in result.records if r["loss"] is not None]
    metrics = {**result.final, **result.totals(trainer.n_params), "n_params": trainer.n_params,
               "data_source": data.source, "device": str(trainer.device), "round_engine": trainer.backend.round_engine,
               "lr": config.lr, "first_train_loss": losses[0] if losses else None,
               "max_train_loss": max(losses) if losses else None,
               "last_train_loss": sum(losses[-10:]) / len(losses[-10:]) if losses else None}
    if stopper is not None:  # the run ended on the best validation weights: their test accuracy
        metrics.update(trainer.task.evaluate(trainer.aggregator.model), **stopper.summary(
            trainer.epochs_run, budget.max_epochs))
    return {"metrics": metrics, "records": result.records,
            "extra": {"evaluations": result.evaluations, "partition_sizes": trainer.partition_sizes}}


def validation_split(x: torch.Tensor, y: torch.Tensor, fraction: float) -> tuple[torch.Tensor, ...]:
    """(x_fit, y_fit, x_val, y_val): a stratified ``fraction`` of the training set held out for early
    stopping (seed 0 for every run, so all seeds and ρ see the same split)."""
    from sklearn.model_selection import train_test_split

    fit, val = train_test_split(np.arange(len(y)), test_size=fraction, stratify=y.numpy(), random_state=0)
    fit, val = torch.from_numpy(np.sort(fit)), torch.from_numpy(np.sort(val))
    return x[fit], y[fit], x[val], y[val]


def expand(cfg: dict) -> tuple[list[dict], dict]:
    """One run per (data set, ρ, seed), plus the learning-rate control's runs; data sets that are absent
    are reported, not run."""
    runs, absent = [], {}
    controls = cfg.get("lr_control") or []
    for name in cfg["datasets"]:
        try:
            _data(name)
        except DatasetAbsentError as exc:
            absent[name] = f"not run: data absent ({exc})"
            continue
        fed = {**cfg["federated"], **cfg.get("dataset_overrides", {}).get(name, {})}
        cells = [(float(rho), fed, None) for rho in cfg["rhos"]]
        cells += [(float(c["rho"]), {**fed, "lr": float(c["lr"])}, "lr") for c in controls if c["dataset"] == name]
        for rho, federated, kind in cells:
            for seed in cfg["seeds"]:
                label = f"{name} rho={rho:g} seed={seed}" + (f" (control: lr={federated['lr']:g})" if kind else "")
                runs.append({"experiment": EXPERIMENT, "profile": cfg["profile"], "dataset": name, "rho": rho,
                             "seed": seed, "model": cfg["model"], "federated": federated, "control": kind,
                             "epochs": cfg.get("epochs"), "budget": cfg.get("budget"),
                             "checkpoint_every": cfg.get("checkpoint_every", 0), "label": label})
    return runs, absent


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv)
    cfg = prepare(args, EXPERIMENT)
    runs, absent = expand(cfg)
    atomic_write_json(args.results / EXPERIMENT / f"_absent_{cfg['profile']}.json", absent)
    for name, why in absent.items():
        print(f"{name}: {why}")
    return run_all(EXPERIMENT, runs, run_one, args)


if __name__ == "__main__":
    main()
