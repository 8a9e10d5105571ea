"""Fig. 7 — communication efficiency: every neural model trained federated with GCM (top-ρ %) and
without it (dense fp32), the same rounds and link for both. Per run: measured compute seconds (the
slowest worker plus the aggregator, each round), encoded bytes both ways, modelled link seconds over
the configured edge link, and their sum; plus the forecast RMSE so that any accuracy cost shows.

    python -m reproduce.comm --profile quick          # then: python -m figures fig7
"""

from __future__ import annotations

import time

from fedad.federated.config import FederatedConfig
from fedad.federated.loop import FederatedTrainer
from fedad.results import ResultStore
from reproduce.common import federated_run, parse_args, prepare, run_all
from reproduce.detect import model_builder, prepared

EXPERIMENT = "comm"


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    prep = prepared(run["dataset"], run["window"], run["horizon"], run["train_fraction"])
    dims = prep.train.sequences[0].shape[1]
    fed = dict(run["federated"], compressor=run["compressor"])
    trainer = FederatedTrainer(prep.task(), model_builder(run, dims), FederatedConfig.from_dict(fed), seed=run["seed"])
    start = time.perf_counter()
    result = federated_run(trainer, run, store, progress)
    wall = time.perf_counter() - start
    metrics = {**result.final, **result.totals(trainer.n_params), "n_params": trainer.n_params,
               "simulation_wall_s": wall, "engine": trainer.backend.engine, "device": str(trainer.device)}
    return {"metrics": metrics, "records": result.records}


def expand(cfg: dict) -> list[dict]:
    return [
        {"experiment": EXPERIMENT, "profile": cfg["profile"], "dataset": cfg["dataset"], "model": model,
         "compressor": comp, "seed": seed, "window": cfg["window"], "horizon": cfg["horizon"],
         "train_fraction": cfg["train_fraction"], "federated": cfg["federated"],
         "model_kwargs": cfg.get("model_kwargs", {}), "checkpoint_every": cfg.get("checkpoint_every", 0),
         "label": f"{model} {comp} seed={seed}"}
        for model in cfg["models"] for comp in cfg["compressors"] for seed in cfg["seeds"]
    ]


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv)
    return run_all(EXPERIMENT, expand(prepare(args, EXPERIMENT)), run_one, args)


if __name__ == "__main__":
    main()
