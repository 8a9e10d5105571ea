"""Figs. 5–6 — anomaly detection accuracy and forecast RMSE: AMCNN-LSTM trained federated with GCM
(Algorithm 1 at the chosen ρ) against CNN-LSTM, LSTM, GRU, SAE and SVM trained centrally, on power
demand, space shuttle, ECG and engine. Scores: Eq. 10 on forecast errors; ς chosen on training data.

    python -m reproduce.detect --profile quick          # then: python -m figures fig5 fig6
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from fedad.data import load_series
from fedad.detection import detect, prepare_series
from fedad.federated.config import FederatedConfig
from fedad.federated.loop import FederatedTrainer, pick_device
from fedad.models import build_model
from fedad.results import ResultStore
from fedad.seeding import seed_everything
from fedad.training.centralised import train_centralised
from fedad.training.tasks import predict
from reproduce.common import federated_run, parse_args, prepare, run_all, steps_for

EXPERIMENT = "detect"


@lru_cache(maxsize=4)
def prepared(dataset: str, window: int, horizon: int, train_fraction: float):
    return prepare_series(load_series(dataset), window, horizon, train_fraction)


def model_builder(run: dict, dims: int):
    kwargs = dict(run.get("model_kwargs", {}).get(run["model"], {}))
    return lambda: build_model(run["model"], dims=dims, horizon=run["horizon"], window=run["window"], **kwargs)


def train_model(run: dict, prep, store: ResultStore, progress: bool) -> tuple[object, dict, list]:
    """Train the run's model the way the run says (svm / federated / centralised); return it and facts."""
    dims = prep.train.sequences[0].shape[1]
    task = prep.task()
    n_train = len(task.x_train)
    build = model_builder(run, dims)
    if run["model"] == "svm":
        seed_everything(run["seed"])
        svm = build_model("svm", dims=dims, horizon=run["horizon"], window=run["window"], **run["svm"])
        svm.fit(prep.train_windows.x, prep.train_windows.y)
        return svm, {"training": "centralised", "svm_train_windows": svm.n_fit}, []
    if run["training"] == "federated":
        fed = dict(run["federated"])
        fed["rounds"] = steps_for(fed.get("rounds"), run["epochs"], n_train, fed["n_workers"] * fed["batch_size"])
        trainer = FederatedTrainer(task, build, FederatedConfig.from_dict(fed), seed=run["seed"])
        result = federated_run(trainer, run, store, progress)
        facts = {"training": "federated", **result.totals(trainer.n_params), "n_params": trainer.n_params,
                 "rounds": fed["rounds"], "engine": trainer.backend.engine}
        return trainer.aggregator.model, facts, result.records
    seed_everything(run["seed"])
    model = build()
    steps = steps_for(run["train"].get("steps"), run["epochs"], n_train, run["train"]["batch_size"])
    history = train_centralised(model, task, steps, run["train"]["batch_size"], run["train"]["lr"],
                                run["train"]["momentum"], seed=run["seed"], device=pick_device(),
                                progress=progress, desc=run["label"],
                                checkpoint=lambda s: store.save_checkpoint(run, s),
                                checkpoint_every=run.get("checkpoint_every", 0), resume=store.load_checkpoint(run))
    facts = {"training": "centralised", "steps": steps, "n_params": sum(p.numel() for p in model.parameters()),
             "compute_s": float(sum(h["compute_s"] for h in history)), "final_train_loss": history[-1]["loss"]}
    return model, facts, history[:: max(1, len(history) // 200)]


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    prep = prepared(run["dataset"], run["window"], run["horizon"], run["train_fraction"])
    model, facts, records = train_model(run, prep, store, progress)
    if isinstance(model, torch.nn.Module):
        f_train = predict(model, torch.from_numpy(prep.train_windows.x)).numpy()
        f_test = predict(model, torch.from_numpy(prep.test_windows.x)).numpy()
    else:
        f_train, f_test = model.predict(prep.train_windows.x), model.predict(prep.test_windows.x)
    if not (np.isfinite(f_train).all() and np.isfinite(f_test).all()):
        raise FloatingPointError(f"{run['label']}: the model produced non-finite forecasts (training diverged)")
    metrics = {**detect(prep, f_train, f_test, run["theta"], run["fit_on"]), **facts,
               "split_mode": prep.split_mode, "train_windows": len(prep.train_windows),
               "test_windows": len(prep.test_windows)}
    return {"metrics": metrics, "records": records}


def expand(cfg: dict) -> list[dict]:
    runs = []
    for dataset in cfg["datasets"]:
        for model in cfg["models"]:
            training = "federated" if model in cfg["federated_models"] else "centralised"
            for seed in cfg["seeds"]:
                run = {"experiment": EXPERIMENT, "profile": cfg["profile"], "dataset": dataset, "model": model,
                       "training": training, "seed": seed, "window": cfg["window"][dataset],
                       "horizon": cfg["horizon"], "train_fraction": cfg["train_fraction"], "theta": cfg["theta"],
                       "fit_on": cfg["fit_on"], "epochs": cfg.get("epochs"),
                       "checkpoint_every": cfg.get("checkpoint_every", 0),
                       "model_kwargs": cfg.get("model_kwargs", {}), "label": f"{dataset} {model} seed={seed}"}
                if model == "svm":
                    limit = cfg["svm"]["max_train"]
                    run["svm"] = {**cfg["svm"], "max_train": limit[dataset] if isinstance(limit, dict) else limit}
                elif training == "federated":
                    run["federated"] = cfg["federated"]
                else:
                    run["train"] = cfg["train"]
                runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv)
    return run_all(EXPERIMENT, expand(prepare(args, EXPERIMENT)), run_one, args)


if __name__ == "__main__":
    main()
