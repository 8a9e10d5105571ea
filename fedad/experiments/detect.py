"""Figs. 5–6 — anomaly detection and forecast RMSE, as an out-of-sample experiment.

Every (data set, model, variant, seed) of the config's ``plan`` is one run:

* the data side follows each data set's protocol (``fedad.data.protocol``; overrides under ``protocol``):
  time step, window from the period rule, a validation block held out of fitting;
* learned models train until their validation loss has not improved for ``budget.patience`` epochs, up to
  ``budget.max_epochs`` (the best weights are kept); the variants say how (centralised, or federated with
  GCM, dense, without memory, on contiguous partitions — the controls of REPORT.md);
* references (persistence, seasonal-naive) and the SVM need no epochs;
* then ``fedad.detection.pipeline.detect``: μ, Σ and ς from the validation part, the test part read once;
  every run also records forecast skill (RMSE, MASE on normal points) and the error profile through each
  test event;
* variants with an ``eq9`` entry read Eq. 9 literally (window = horizon = one period; per-lead scores,
  Ledoit–Wolf Σ, optionally a seasonal-residual target): labelled controls, never the headline;
* with ``train_search`` in the config (full profile), every learned model's optimiser, η and epoch cap
  come from a search on V1 loss first (:mod:`fedad.experiments.train_search`).

    python -m reproduce.detect --profile quick          # then: python -m figures fig5 fig6
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import torch

from fedad.data.loaders import load_series
from fedad.data.partition import partition
from fedad.data.power_labels import accuracy_ceiling, audit_labels
from fedad.data.protocol import protocol_for
from fedad.detection.pipeline import detection_metrics, prepare_series, scored_errors
from fedad.detection.scores import COVARIANCES
from fedad.experiments.common import ConfigError, federated_run, parse_args, prepare, run_all
from fedad.experiments.train_search import run_search
from fedad.federated.loop import EpochBudget, build_trainer, pick_device
from fedad.models import NEURAL_FORECASTERS, REFERENCES, build_model
from fedad.models.references import SeasonalNaive
from fedad.models.seasonal_residual import SeasonalResidual
from fedad.results import ResultStore, atomic_write_json, config_hash, finite_or_none
from fedad.seeding import seed_everything
from fedad.training.centralised import fit_centralised
from fedad.training.tasks import predict

EXPERIMENT = "detect"
TRAININGS = ("centralised", "federated", "local", "none")


@lru_cache(maxsize=4)
def _prepared(protocol_json: str, horizon: int, window: int | None):
    protocol = protocol_for(json.loads(protocol_json)["dataset"], json.loads(protocol_json))
    return prepare_series(protocol, horizon, window)


def prepared(run: dict):
    """The data side of a run (cached per process: every model of a data set shares it)."""
    return _prepared(json.dumps(run["protocol"], sort_keys=True), run["horizon"], run.get("window") or None)


def model_builder(run: dict, dims: int, window: int, period: int | None = None):
    kwargs = dict(run.get("model_kwargs", {}).get(run["model"], {}))
    if run["model"] == "seasonal_naive":
        kwargs["period"] = period
    if (run.get("eq9") or {}).get("target") == "seasonal_residual" and run["model"] not in REFERENCES:
        if run["model"] not in NEURAL_FORECASTERS:
            raise ConfigError(f"{run['label']}: a seasonal-residual target needs a neural forecaster")
        return lambda: SeasonalResidual(build_model(run["model"], dims=dims, horizon=run["horizon"], window=window,
                                                    **kwargs), period, window, run["horizon"])
    return lambda: build_model(run["model"], dims=dims, horizon=run["horizon"], window=window, **kwargs)


def _task(prep, run: dict):
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
    task = _task(prep, run)
    budget = run["budget"]
    if training == "federated":
        trainer = build_trainer(task, build, run["federated"], run["seed"], EpochBudget.from_dict(budget))
        result = federated_run(trainer, run, store, progress)
        facts = {"training": "federated", "lr": trainer.config.lr, **result.totals(trainer.n_params),
                 "n_params": trainer.n_params, "engine": trainer.backend.engine,
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


@lru_cache(maxsize=2)
def _power_audit():
    raw = load_series("power_demand")
    return raw, audit_labels(raw.sequences[0][:, 0])


def label_ceilings(prep) -> dict:
    """Power demand only: on this run's scored test points, the accuracy of the best honest detector (it
    flags each audited abnormal day that the run's label set marks, nothing else), with and without the
    borderline days, and the same for the other label set (:mod:`fedad.data.power_labels`)."""
    raw, audit = _power_audit()
    test = scored_errors(prep, "test", np.zeros_like(prep.windows["test"].y))
    part, factor = prep.part("test"), prep.protocol.resample
    starts = np.array([blk["train"][1] - ctx for blk, ctx in zip(prep.split.blocks, part.context, strict=True)])
    steps = (starts[test.sequence] + test.position) * factor
    own = prep.protocol.loader_kwargs.get("labels", "original")
    other = "audited" if own == "original" else "original"
    other_fine = audit.labels if other == "audited" else raw.labels[0]
    other_labels = np.array([other_fine[s : s + factor].any() for s in steps])
    out = {"labels": own, "audit": audit.to_dict()}
    for name, labels in ((own, test.labels), (other, other_labels)):
        out[name] = {"accuracy_ceiling": accuracy_ceiling(labels, steps, audit.abnormal_days),
                     "accuracy_ceiling_with_borderline": accuracy_ceiling(
                         labels, steps, audit.abnormal_days + audit.borderline),
                     "trivial_accuracy": 100 * float(1 - labels.mean()), "anomalous_points": int(labels.sum())}
    return out


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    prep = prepared(run)
    model, facts, records = train_model(run, prep, store, progress)
    forecasts = {p: forecast(model, w.x, prep.window_periods(p)) for p, w in prep.windows.items()}
    if not all(np.isfinite(f).all() for f in forecasts.values()):
        raise FloatingPointError(f"{run['label']}: the model produced non-finite forecasts (training diverged)")
    eq9 = run.get("eq9") or {}
    metrics = {**detection_metrics(prep, forecasts, run["theta"], run["min_precision"], run["fallback_percentile"],
                                   run["headline_rule"], covariance=eq9.get("covariance", "ml")), **facts,
               **prep.describe(), "no_test_anomaly": prep.split.events()["test"]["events"] == 0}
    if eq9:
        metrics["eq9"] = eq9_lead_metrics(run, prep, forecasts)
    if prep.protocol.loader == "power_demand":
        metrics["label_audit"] = label_ceilings(prep)
    return {"metrics": metrics, "records": records}


EQ9_KEEP = ("threshold_free", "point", "event", "flags_nothing", "threshold_rule", "skill")


def eq9_lead_metrics(run: dict, prep, forecasts: dict) -> dict:
    """Eq. 9 read literally (window = horizon = T): beside the vector over all T leads (the run's headline
    metrics), each point scored by its forecast at each stated lead alone ("last" = T, a whole window ahead)."""
    eq9 = run["eq9"]
    leads = {}
    for lead in eq9.get("leads", []):
        step = prep.horizon if lead == "last" else int(lead)
        out = detection_metrics(prep, forecasts, run["theta"], run["min_precision"], run["fallback_percentile"],
                                run["headline_rule"], lead=step)
        leads[str(lead)] = {"lead": step, **{k: out[k] for k in EQ9_KEEP}}
    return {"T": prep.horizon, "covariance": eq9.get("covariance", "ml"),
            "target": eq9.get("target", "values"), "leads": leads}


def sweep_one(run: dict, store: ResultStore, progress: bool) -> dict:
    """One learning-rate sweep run: train only, since its best validation loss alone decides η. A rate that
    makes training diverge is a result of the sweep (it loses), not an error that ends it."""
    return trained_loss(run, prepared(run), store, progress)


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


def _lr(cfg: dict, model: str, training: str) -> float:
    table = cfg.get("lr", {})
    family = f"{model}/{training}"
    for key in (family, model):
        if key in table:
            return float(table[key])
    if "default" in table:
        return float(table["default"])
    raise ConfigError(f"no learning rate for {family}: add it under 'lr' in the config")


def per_dataset(value, dataset: str):
    """A config value given once (``12``) or per data set (``{default: 12, space_shuttle: 60}``)."""
    if isinstance(value, dict):
        if dataset in value:
            return value[dataset]
        if "default" not in value:
            raise ConfigError(f"{value!r} names no value for {dataset} and no 'default'")
        return value["default"]
    return value


EQ9_KEYS = ("leads", "covariance", "target")
EQ9_TARGETS = ("values", "seasonal_residual")


def _eq9_setting(run: dict, eq9: dict) -> dict:
    """Window = horizon = T, one period of the data set (its window rule's window where it has no period):
    Eq. 9's [x_{n−T+1} … x_n] → [x_{n+1} … x_{n+T}]."""
    unknown = sorted(set(eq9) - set(EQ9_KEYS))
    if unknown:
        raise ConfigError(f"{run['variant']}: unknown eq9 keys {unknown}; known: {list(EQ9_KEYS)}")
    if eq9.get("target", "values") not in EQ9_TARGETS:
        raise ConfigError(f"{run['variant']}: eq9 target must be one of {EQ9_TARGETS}")
    if eq9.get("covariance", "ml") not in COVARIANCES:
        raise ConfigError(f"{run['variant']}: eq9 covariance must be one of {COVARIANCES}")
    bad = [lead for lead in eq9.get("leads", []) if lead != "last" and not (isinstance(lead, int) and lead >= 1)]
    if bad:
        raise ConfigError(f"{run['variant']}: eq9 leads must be positive integers or 'last', got {bad}")
    base = prepared(run)
    period = base.period or base.window
    beyond = [lead for lead in eq9.get("leads", []) if lead != "last" and lead > period]
    if beyond:  # refused before any training, not after it
        raise ConfigError(f"{run['variant']}: eq9 leads {beyond} exceed T = {period} steps of {run['dataset']}")
    return {"horizon": period, "window": period, "eq9": dict(eq9),
            "label": run["label"] + f" T={period}"}


def _budget(cfg: dict, dataset: str, spec: dict | None = None) -> dict:
    """Caps, patience and the minimum in epochs: the same for every model of a data set, unless a variant
    states its own (``budget`` in the variant)."""
    merged = {**cfg["budget"], **((spec or {}).get("budget") or {})}
    budget = {k: per_dataset(v, dataset) for k, v in merged.items()}
    if budget.get("min_epochs", 0) > budget["max_epochs"]:
        raise ConfigError(f"{dataset}: min_epochs {budget['min_epochs']} exceeds max_epochs {budget['max_epochs']}")
    return budget


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def expand(cfg: dict, allow_no_test_anomaly: bool = False) -> list[dict]:
    """One run per (data set, model, variant, seed) of the plan; references run once (no seed effect)."""
    runs = []
    variants = cfg["variants"]
    for entry in cfg["plan"]:
        for dataset in entry.get("datasets", cfg["datasets"]):
            protocol = protocol_for(dataset, cfg.get("protocol", {}).get(dataset))
            for model in entry["models"]:
                for variant in entry["variants"]:
                    if variant not in variants:
                        raise ConfigError(f"plan names variant {variant!r}; known: {sorted(variants)}")
                    spec = variants[variant]
                    training = "none" if model in REFERENCES else spec.get("training", "centralised")
                    if training not in TRAININGS:
                        raise ConfigError(f"variant {variant}: training must be one of {TRAININGS}")
                    if model == "seasonal_naive" and protocol.split_mode == "sequences":
                        continue  # no period: persistence is the reference there
                    eq9 = spec.get("eq9")
                    if eq9 and eq9.get("target") == "seasonal_residual" and protocol.split_mode == "sequences":
                        continue  # no period, so no seasonal residual (the engine)
                    deterministic = training == "none" or model == "svm"  # no seed changes their result
                    seeds = [0] if deterministic else entry.get("seeds", cfg["seeds"])
                    workers = range(cfg["federated"]["n_workers"]) if training == "local" else [None]
                    for seed, worker in ((s, w) for s in seeds for w in workers):
                        run = {"experiment": EXPERIMENT, "profile": cfg["profile"], "dataset": dataset, "model": model,
                               "variant": variant, "training": training, "seed": seed,
                               "protocol": protocol.to_dict(), "horizon": cfg["horizon"],
                               "window": (cfg.get("window") or {}).get(dataset), "theta": cfg["theta"],
                               "headline_rule": cfg.get("headline_rule", "false_alarm"),
                               "min_precision": cfg["min_precision"],
                               "fallback_percentile": cfg["fallback_percentile"],
                               "checkpoint_every": cfg.get("checkpoint_every", 0),
                               "model_kwargs": cfg.get("model_kwargs", {}),
                               "label": f"{dataset} {model} {variant} seed={seed}"
                                        + (f" worker={worker}" if worker is not None else "")}
                        if eq9:
                            run.update(_eq9_setting(run, eq9))
                        if model == "svm":
                            limit = cfg["svm"]["max_train"]
                            run["svm"] = {**cfg["svm"], "max_train": limit[dataset] if isinstance(limit, dict) else limit}
                        elif training == "federated":
                            fed = _deep_merge(cfg["federated"], spec.get("federated", {}))
                            run["federated"] = {**fed, "lr": _lr(cfg, model, "federated")}
                            run.update(budget=_budget(cfg, dataset, spec),
                                       fit_stride=per_dataset(cfg.get("fit_stride", 1), dataset))
                        elif training in ("centralised", "local"):
                            run["train"] = {**cfg["train"], "lr": _lr(cfg, model, "centralised")}
                            if training == "local":  # a device alone: its own batch size and partition
                                fed = _deep_merge(cfg["federated"], spec.get("federated", {}))
                                run["train"]["batch_size"] = fed["batch_size"]
                                run.update(worker=worker, local={"partition": fed["partition"],
                                                                 "n_workers": fed["n_workers"]})
                            run.update(budget=_budget(cfg, dataset, spec),
                                       fit_stride=per_dataset(cfg.get("fit_stride", 1), dataset))
                        runs.append(run)
    runs = list({config_hash(r): r for r in runs}.values())  # a run named by two plan entries runs once
    for dataset in dict.fromkeys(r["dataset"] for r in runs):
        run = next(r for r in runs if r["dataset"] == dataset)
        allowed = allow_no_test_anomaly or dataset in cfg.get("allow_no_test_anomaly", [])
        if prepared(run).split.events()["test"]["events"] == 0 and not allowed:
            raise ConfigError(f"{dataset}: its test part holds no labelled event, so its accuracy cannot test a "
                              "detector; pass --allow-no-test-anomaly to run it anyway (reported, no verdict)")
    return runs


def sweep_runs(cfg: dict) -> list[dict]:
    """One short run per (learned model, training, η) of the plan, on the sweep's data set and seed."""
    sweep = cfg["lr_sweep"]
    only = sweep.get("models", {})  # variant -> the models swept in it (default: every model)
    families = []
    for run in expand({**cfg, "seeds": [sweep["seed"]]}, allow_no_test_anomaly=True):
        if run["training"] in ("centralised", "federated") and run["model"] != "svm" and \
                run["dataset"] == sweep["dataset"] and run["variant"] in sweep["variants"] and \
                run["model"] in only.get(run["variant"], [run["model"]]):
            families.append(run)
    runs = []
    for base in families:
        for lr in sweep["values"]:
            run = dict(base, experiment="lr_sweep", budget={**base["budget"], "max_epochs": sweep["max_epochs"]},
                       label=f"sweep {base['model']} {base['training']} lr={lr}")
            key = "federated" if base["training"] == "federated" else "train"
            run[key] = {**base[key], "lr": float(lr)}
            runs.append(run)
    return runs


def choose_learning_rates(cfg: dict, args) -> dict:
    """Run the sweep (cached) and return {"model/training": η with the lowest best validation loss}."""
    runs = sweep_runs(cfg)
    results = run_all("lr_sweep", runs, sweep_one, args)
    best: dict[str, tuple[float, float]] = {}
    for run, res in zip(runs, results, strict=True):
        family = f"{run['model']}/{run['training']}"
        loss = finite_or_none(res["metrics"]["best_val_loss"])
        loss = math.inf if loss is None else loss  # a diverged rate never wins
        lr = run["federated" if run["training"] == "federated" else "train"]["lr"]
        if family not in best or loss < best[family][1]:
            best[family] = (lr, loss)
    table = {f: {"lr": lr, "best_val_loss": loss if math.isfinite(loss) else None} for f, (lr, loss) in best.items()}
    atomic_write_json(args.results / "lr_sweep" / f"_choice_{cfg['profile']}.json",
                      {"sweep": cfg["lr_sweep"], "choice": table})
    for family, row in table.items():
        print(f"learning rate {family}: {row['lr']} (best validation loss {row['best_val_loss']})")
    rates = {f: row["lr"] for f, row in table.items()}
    for family, lr in list(rates.items()):  # a model's other trainings inherit: federated first, then centralised
        model, training = family.split("/")
        if training == "federated" or model not in rates:
            rates[model] = lr
    return rates


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv, extra=_extra_arguments)
    cfg = prepare(args, EXPERIMENT)
    if cfg.get("lr_sweep") and cfg.get("train_search"):
        raise ConfigError("the config gives both lr_sweep and train_search: keep one (train_search searches η too)")
    if cfg.get("lr_sweep"):
        cfg["lr"] = {**cfg.get("lr", {}), **choose_learning_rates(cfg, args)}
    runs = expand(cfg, args.allow_no_test_anomaly)
    if cfg.get("train_search"):
        runs = run_search(cfg, runs, args)
    out = run_all(EXPERIMENT, runs, run_one, args)
    atomic_write_json(args.results / EXPERIMENT / f"_config_{cfg['profile']}.json",
                      {k: v for k, v in cfg.items() if k != "config_file"})
    return out


def _extra_arguments(parser) -> None:
    parser.add_argument("--allow-no-test-anomaly", action="store_true",
                        help="run data sets whose test part holds no labelled event (e.g. ecg_qtdbsel102); "
                             "they are reported as such and no verdict is drawn from them")


if __name__ == "__main__":
    main()
