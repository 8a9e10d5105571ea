"""Fig. 4 — tuning ρ: the simple CNN (2 conv + 1 FC) trained federated (N workers, Algorithm 1) on
MNIST, CIFAR-10 (when present) and Fashion-MNIST, for every ρ of the grid; test accuracy and the
measured compression ratio of each run.

    python -m reproduce.tune_rho --profile quick          # then: python -m figures fig4
"""

from __future__ import annotations

from functools import lru_cache

from fedad.data import DatasetAbsentError, load_images
from fedad.experiments.common import federated_run, parse_args, prepare, run_all, steps_for
from fedad.federated.config import FederatedConfig
from fedad.federated.loop import FederatedTrainer
from fedad.models import build_model
from fedad.results import ResultStore, atomic_write_json
from fedad.training.tasks import ClassificationTask

EXPERIMENT = "tune_rho"


@lru_cache(maxsize=2)
def _data(name: str):
    return load_images(name)


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    data = _data(run["dataset"])
    task = ClassificationTask(data.x_train, data.y_train, data.x_test, data.y_test, name=run["dataset"])
    channels, side = data.input_shape[0], data.input_shape[1]
    fed = run["federated"]
    fed = dict(fed, rho=run["rho"], rounds=steps_for(fed.get("rounds"), run["epochs"], len(data.x_train),
                                                     fed["n_workers"] * fed["batch_size"]))
    config = FederatedConfig.from_dict(fed)

    def model_fn():
        return build_model("simple_cnn", in_channels=channels, image_size=side, n_classes=data.n_classes,
                           channels=tuple(run["model"]["channels"]))

    trainer = FederatedTrainer(task, model_fn, config, seed=run["seed"])
    result = federated_run(trainer, run, store, progress)
    metrics = {**result.final, **result.totals(trainer.n_params), "n_params": trainer.n_params,
               "data_source": data.source, "device": str(trainer.device), "engine": trainer.backend.engine}
    return {"metrics": metrics, "records": result.records,
            "extra": {"evaluations": result.evaluations, "partition_sizes": trainer.partition_sizes}}


def expand(cfg: dict) -> tuple[list[dict], dict]:
    """One run per (data set, ρ, seed); data sets that are absent are reported, not run."""
    runs, absent = [], {}
    for name in cfg["datasets"]:
        try:
            _data(name)
        except DatasetAbsentError as exc:
            absent[name] = f"not run: data absent ({exc})"
            continue
        for rho in cfg["rhos"]:
            for seed in cfg["seeds"]:
                runs.append({"experiment": EXPERIMENT, "profile": cfg["profile"], "dataset": name, "rho": float(rho),
                             "seed": seed, "model": cfg["model"], "federated": cfg["federated"],
                             "epochs": cfg.get("epochs"), "checkpoint_every": cfg.get("checkpoint_every", 0),
                             "label": f"{name} rho={rho} seed={seed}"})
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
