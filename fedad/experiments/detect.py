"""Figs. 5–6 — anomaly detection and forecast RMSE, as an out-of-sample experiment.

Every (data set, model, variant, seed) of the config's ``plan`` is one run:

* the data side follows each data set's protocol (``fedad.data.protocol``; overrides under ``protocol``):
  time step, window from the period rule, a validation block held out of fitting;
* learned models train until their validation loss has not improved for ``budget.patience`` epochs, up to
  ``budget.max_epochs`` (the best weights are kept); the variants say how (centralised, or federated with
  GCM, dense, without memory, on contiguous partitions — the controls of REPORT.md);
* references (persistence, seasonal-naive) and the SVM need no epochs;
* then ``fedad.detection.pipeline.detection_metrics``: μ, Σ and ς from the validation part, the test part read once;
  every run also records forecast skill (RMSE, MASE on normal points) and the error profile through each
  test event;
* variants with an ``eq9`` entry read Eq. 9 literally (window = horizon = one period; per-lead scores,
  Ledoit–Wolf Σ, optionally a seasonal-residual target): labelled controls, never the headline;
* with ``train_search`` in the config (full profile), every learned model's optimiser, η and epoch cap
  come from a search on V1 loss first (:mod:`fedad.experiments.train_search`).

    python -m reproduce.detect --profile quick          # then: python -m figures fig5 fig6
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from fedad.data.loaders import load_series
from fedad.data.power_labels import accuracy_ceiling, audit_labels
from fedad.data.protocol import protocol_for
from fedad.detection.pipeline import detection_metrics, scored_errors
from fedad.detection.scores import COVARIANCES
from fedad.experiments.common import ConfigError, learning_rate, parse_args, per_dataset, prepare, run_all
from fedad.experiments.fitting import forecast, prepared, train_model, trained_loss
from fedad.experiments.train_search import run_search
from fedad.models import REFERENCES
from fedad.results import ResultStore, atomic_write_json, config_hash, finite_or_none

EXPERIMENT = "detect"
TRAININGS = ("centralised", "federated", "local", "none")


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
                            run["svm"] = {**cfg["svm"], "max_train": per_dataset(cfg["svm"]["max_train"], dataset)}
                        elif training == "federated":
                            fed = _deep_merge(cfg["federated"], spec.get("federated", {}))
                            run["federated"] = {**fed, "lr": learning_rate(cfg, model, "federated")}
                            run.update(budget=_budget(cfg, dataset, spec),
                                       fit_stride=per_dataset(cfg.get("fit_stride", 1), dataset))
                        elif training in ("centralised", "local"):
                            run["train"] = {**cfg["train"], "lr": learning_rate(cfg, model, "centralised")}
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
