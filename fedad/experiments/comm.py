"""Fig. 7 — communication efficiency as an experiment: every model of the config trained federated on
power demand with GCM (top-ρ %, momentum correction) and without it (dense fp32), each until its
validation loss stops improving (early stopping, the same budget as Figs. 5–6).

Per run the result holds: the validation-loss curve with the cumulative rounds, bytes up and down and
compute seconds at every evaluation (so that the time *to a target loss* can be read off: the target is
the dense run's best loss × (1 + ε)); the per-round means behind the bandwidth sweep (compute seconds,
largest upload, broadcast); totals over the first ``fixed_rounds`` rounds (the fixed-round panel). With
``two_way`` the GCM run is repeated with the broadcast top-k'd too (two-way sparsification).

    python -m reproduce.comm --profile quick          # then: python -m figures fig7
"""

from __future__ import annotations

import time

import numpy as np

from fedad.data.protocol import protocol_for
from fedad.experiments.common import federated_run, learning_rate, parse_args, per_dataset, prepare, run_all
from fedad.experiments.fitting import fit_task, model_builder, prepared
from fedad.federated.loop import EpochBudget, build_trainer
from fedad.federated.network import bandwidth_grid
from fedad.results import ResultStore, atomic_write_json

EXPERIMENT = "comm"


def round_table(records: list[dict]) -> dict[str, np.ndarray]:
    """Per round: compute (slowest worker + aggregator), largest and total upload, broadcast bytes."""
    return {
        "compute_s": np.array([max(r["compute_s"], default=0.0) + r["aggregate_s"] for r in records]),
        "up_max": np.array([max(r["bytes_up"], default=0) for r in records], dtype=float),
        "up_total": np.array([sum(r["bytes_up"]) for r in records], dtype=float),
        "down": np.array([r["bytes_down"] + r.get("bytes_buffers", 0) for r in records], dtype=float),
        "link_s": np.array([r["link_s"] for r in records]),
    }


def curve(result, rounds_per_epoch: float) -> list[dict]:
    """Validation loss at every evaluation with the cumulative cost of the rounds before it."""
    table = round_table(result.records)
    cum = {k: np.concatenate([[0.0], np.cumsum(v)]) for k, v in table.items()}
    out = []
    for ev in result.evaluations:
        r = min(int(ev["round"]), len(result.records))
        out.append({"round": r, "epoch": r / rounds_per_epoch, "val_loss": ev.get("val_loss"),
                    "compute_s": cum["compute_s"][r], "bytes_up": cum["up_total"][r], "bytes_down": cum["down"][r],
                    "link_s": cum["link_s"][r]})
    return out


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    prep = prepared(run)
    task = fit_task(prep, run)
    budget = run["budget"]
    fed = dict(run["federated"], compressor=run["compressor"], downlink_rho=run.get("downlink_rho", 100.0))
    # evaluated once an epoch: the communication curves are drawn per epoch
    trainer = build_trainer(task, model_builder(run, prep.dims, prep.window), fed, run["seed"],
                            EpochBudget(budget["max_epochs"], 1.0, budget["patience"], budget.get("min_epochs", 0)))
    per_epoch = trainer.rounds_per_epoch
    start = time.perf_counter()
    result = federated_run(trainer, run, store, progress)
    wall = time.perf_counter() - start
    table = round_table(result.records)
    fixed = min(run["fixed_rounds"], len(result.records))
    fixed_records = result.records[:fixed]
    metrics = {
        **result.final, **result.totals(trainer.n_params), "n_params": trainer.n_params,
        "simulation_wall_s": wall, "round_engine": trainer.backend.round_engine, "device": str(trainer.device),
        **trainer.stopper.summary(trainer.epochs_run, budget["max_epochs"]), "rounds_per_epoch": per_epoch,
        "per_round": {k: float(v.mean()) for k, v in table.items()},
        "fixed_rounds": fixed, "fixed": _fixed_totals(fixed_records),
    }
    slim = [{"round": r["round"], "compute_s": float(table["compute_s"][i]), "up_max": int(table["up_max"][i]),
             "up_total": int(table["up_total"][i]), "down": int(table["down"][i])}
            for i, r in enumerate(result.records)]
    return {"metrics": metrics, "records": slim, "extra": {"curve": curve(result, per_epoch)}}


def _fixed_totals(records: list[dict]) -> dict:
    table = round_table(records)
    return {"compute_s": float(table["compute_s"].sum()), "link_s": float(table["link_s"].sum()),
            "bytes_up": float(table["up_total"].sum()), "bytes_down": float(table["down"].sum()),
            "total_s": float(table["compute_s"].sum() + table["link_s"].sum())}


def expand(cfg: dict) -> list[dict]:
    dataset = cfg["dataset"]
    protocol = protocol_for(dataset, cfg.get("protocol", {}).get(dataset)).to_dict()
    budget = {k: per_dataset(v, dataset) for k, v in cfg["budget"].items()}
    runs = []
    for model in cfg["models"]:
        variants = [(c, 100.0) for c in cfg["compressors"]]
        if cfg.get("two_way") and model in cfg["two_way"]["models"]:
            variants.append(("topk", float(cfg["two_way"]["downlink_rho"])))
        for comp, down in variants:
            for seed in cfg["seeds"]:
                lr = learning_rate(cfg, model, "federated")
                run = {"experiment": EXPERIMENT, "profile": cfg["profile"], "dataset": dataset, "model": model,
                       "compressor": comp, "seed": seed, "window": (cfg.get("window") or {}).get(dataset),
                       "horizon": cfg["horizon"], "protocol": protocol, "budget": budget,
                       "fit_stride": per_dataset(cfg.get("fit_stride", 1), dataset),
                       "federated": {**cfg["federated"], "lr": lr, "link": cfg["link"]},
                       "epsilon": cfg["epsilon"], "fixed_rounds": cfg["fixed_rounds"],
                       "model_kwargs": cfg.get("model_kwargs", {}), "checkpoint_every": cfg.get("checkpoint_every", 0),
                       "label": f"{model} {comp}" + (f" down={down:g}%" if down < 100 else "") + f" seed={seed}"}
                if down < 100:
                    run["downlink_rho"] = down
                runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv)
    cfg = prepare(args, EXPERIMENT)
    bandwidth_grid(cfg["sweep"]["low_mbps"], cfg["sweep"]["high_mbps"], cfg["sweep"]["points"])  # fail early
    out = run_all(EXPERIMENT, expand(cfg), run_one, args)
    atomic_write_json(args.results / EXPERIMENT / f"_config_{cfg['profile']}.json",
                      {k: v for k, v in cfg.items() if k != "config_file"})
    return out


if __name__ == "__main__":
    main()
