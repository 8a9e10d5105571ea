"""Fig. 8 (beyond the paper) — the compressors compared under one byte count: accuracy against total
uploaded bytes for top-k with momentum correction (GCM), top-k with plain error feedback, random-k,
QSGD 8-bit and dense fp32, on the MNIST simple CNN and the power-demand AMCNN-LSTM. Every compressor
runs the same rounds and seeds; accuracy (MNIST test accuracy; power demand: validation RMSE) and the
real bytes of the codec are read at each budget of rounds.

    python -m reproduce.compressors --profile quick          # then: python -m figures fig8
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from fedad.data import load_images
from fedad.data.protocol import protocol_for
from fedad.detection import prepare_series
from fedad.experiments.common import ConfigError, parse_args, prepare, run_all
from fedad.federated.loop import build_trainer
from fedad.models import build_model
from fedad.results import ResultStore
from fedad.training.tasks import ClassificationTask

EXPERIMENT = "compressors"


@lru_cache(maxsize=2)
def _task(workload: str, horizon: int = 4):
    if workload == "mnist":
        data = load_images("mnist")
        return ClassificationTask(data.x_train, data.y_train, data.x_test, data.y_test, name="mnist"), None
    prep = prepare_series(protocol_for(workload), horizon)
    return prep.task(), prep.window


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    task, window = _task(run["workload"])
    spec = run["spec"]
    kwargs = {} if spec["model"] == "simple_cnn" else {"dims": 1, "horizon": 4, "window": window}
    budgets = sorted(run["budgets"])
    fed = {**run["federated"], **run["compressor"], "lr": spec["lr"], "batch_size": spec["batch_size"],
           "rounds": budgets[-1], "eval_every": 0}
    trainer = build_trainer(task, lambda: build_model(spec["model"], **kwargs), fed, run["seed"])
    points = []
    for b in budgets:
        while len(trainer.result.records) < b:
            trainer.result.records.append(trainer.run_round(len(trainer.result.records)))
        ev = trainer.evaluate(b)
        up = sum(sum(r["bytes_up"]) for r in trainer.result.records)
        points.append({"rounds": b, "bytes_up": up, "bytes_down": sum(r["bytes_down"] for r in trainer.result.records),
                       **{k: v for k, v in ev.items() if k in ("accuracy", "val_loss")}})
    metrics = {"points": points, **trainer.result.totals(trainer.n_params), "n_params": trainer.n_params,
               "metric": "accuracy" if run["workload"] == "mnist" else "val_rmse"}
    for p in points:
        if "val_loss" in p:
            p["val_rmse"] = float(np.sqrt(p["val_loss"]))
    return {"metrics": metrics}


def expand(cfg: dict) -> list[dict]:
    runs = []
    for workload, spec in cfg["workloads"].items():
        for name, comp in cfg["compressors"].items():
            if not isinstance(comp, dict) or "compressor" not in comp:
                raise ConfigError(f"compressor {name!r} must give at least 'compressor' (and 'memory')")
            for seed in cfg["seeds"]:
                runs.append({"experiment": EXPERIMENT, "profile": cfg["profile"], "workload": workload, "spec": spec,
                             "name": name, "compressor": comp, "seed": seed, "budgets": cfg["budgets"][workload],
                             "federated": cfg["federated"], "label": f"{workload} {name} seed={seed}"})
    return runs


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv)
    return run_all(EXPERIMENT, expand(prepare(args, EXPERIMENT)), run_one, args)


if __name__ == "__main__":
    main()
