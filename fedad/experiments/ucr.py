"""The UCR anomaly archive (Wu & Keogh, KDD Cup 2021): every detector on many series, one anomaly each.

Every (series, detector, seed) of the config is one cached run:

* the series goes through :mod:`fedad.detection.ucr_protocol` (window from the training part's period,
  averaging above the window cap, the tail of the training part as validation, the test part read once);
* forecasters (AMCNN-LSTM federated with GCM or centralised, the baselines, persistence, seasonal-naive,
  the raw-value distance) train as in Figs. 5–6 (:func:`fedad.experiments.detect.train_model`, early
  stopping on the validation block) and score by Eq. 10 with μ, Σ from the validation block; the
  matrix-profile discord scores directly (no model);
* every detector's test scores go through the same :func:`fedad.detection.ucr_score.series_scores`:
  UCR hit under both rules, PR-AUC, ROC-AUC, and point metrics at ς = a quantile of validation scores.

The series come from a rule in code (:func:`choose_series`), stated in the config:
``shortest_per_family`` (the shortest series of the ``n`` families whose shortest series are shortest)
or ``stratified`` (families in turn, largest first, each giving its next-shortest series, until ``n``).

    fedad run ucr --profile quick        # then: fedad figures fig9; fedad report
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from functools import lru_cache
from importlib import resources

import numpy as np

from fedad.data.datadir import data_dir, locate
from fedad.data.ucr_archive import UcrFile, catalogue, load_ucr, select
from fedad.detection.errors import PointErrors
from fedad.detection.pipeline import scored_errors
from fedad.detection.scores import GaussianErrorModel
from fedad.detection.ucr_protocol import PreparedUcr, UcrSettings, prepare_ucr, to_points
from fedad.detection.ucr_score import series_scores
from fedad.experiments.common import ConfigError, parse_args, prepare, run_all
from fedad.experiments.detect import forecast, train_model
from fedad.models import FORECASTERS
from fedad.models.discord import discord_scores
from fedad.results import ResultStore, atomic_write_json, config_hash

EXPERIMENT = "ucr"
SELECTION_RULES = ("shortest_per_family", "stratified", "ids")
TRAININGS = ("centralised", "federated", "none")
MATRIX_PROFILE = "matrix_profile"


def choose_series(rule: str, n: int | None = None, ids: list[int] | None = None,
                  families: list[str] | None = None) -> list[UcrFile]:
    """The series of a run, by a rule of the module docstring (or the explicit ``ids``/``families``)."""
    if rule == "ids":
        return select(ids, families)
    if rule not in SELECTION_RULES:
        raise ConfigError(f"series rule must be one of {SELECTION_RULES}, got {rule!r}")
    if not n or n < 1:
        raise ConfigError(f"series rule {rule!r} needs n >= 1, got {n!r}")
    by_family: dict[str, list[UcrFile]] = defaultdict(list)
    for f in catalogue():
        by_family[f.family].append(f)
    length = _lengths()
    for members in by_family.values():
        members.sort(key=lambda f: (length[f.id], f.id))
    if rule == "shortest_per_family":
        firsts = sorted((m[0] for m in by_family.values()), key=lambda f: (length[f.id], f.id))
        return sorted(firsts[:n], key=lambda f: f.id)
    order = sorted(by_family, key=lambda fam: (-len(by_family[fam]), fam))
    out: list[UcrFile] = []
    depth = 0
    while len(out) < n and any(len(by_family[fam]) > depth for fam in order):
        out += [by_family[fam][depth] for fam in order if len(by_family[fam]) > depth][: n - len(out)]
        depth += 1
    return sorted(out, key=lambda f: f.id)


@lru_cache(maxsize=1)
def _lengths() -> dict[int, int]:
    """Series lengths, shipped with fedad (from the data directory's index.csv): the selection rules need
    them before any file is read, and the file names do not hold them."""
    text = resources.files("fedad.data").joinpath("ucr_anomaly_lengths.json").read_text(encoding="utf-8")
    return {int(k): int(v) for k, v in json.loads(text).items()}


def settings_of(run: dict) -> UcrSettings:
    return UcrSettings(**run["protocol"])


@lru_cache(maxsize=2)
def _prepared(ucr_id: int, settings: UcrSettings) -> PreparedUcr:
    return prepare_ucr(load_ucr(ucr_id), settings)


def prepared(run: dict) -> PreparedUcr:
    """The data side of a run (cached per process: every detector of a series shares it)."""
    return _prepared(run["ucr_id"], settings_of(run))


def _forecaster_scores(run: dict, pu: PreparedUcr, store: ResultStore, progress: bool):
    """(validation scores, one test score per original point, training facts) of a forecaster: Eq. 10 with
    μ, Σ fitted on the validation block's error vectors."""
    prep = pu.prep
    stride = max(1, math.ceil(len(prep.windows["fit"]) / run["max_fit_windows"]))
    model, facts, _ = train_model({**run, "fit_stride": stride}, prep, store, progress)
    errors: dict[str, PointErrors] = {}
    for part in ("validation", "test"):
        out = forecast(model, prep.windows[part].x)
        if not np.isfinite(out).all():
            raise FloatingPointError(f"{run['label']}: non-finite forecasts on the {part} part (training diverged)")
        errors[part] = scored_errors(prep, part, out)
    gaussian = GaussianErrorModel.fit(errors["validation"].errors)  # Eq. 10: μ, Σ from validation only
    val_scores = gaussian.score(errors["validation"].errors)
    test = errors["test"]
    return val_scores, to_points(pu, test.position, gaussian.score(test.errors)), {**facts, "fit_stride": stride}


def _discord_scores(run: dict, pu: PreparedUcr):
    """The same triple for the matrix-profile discord: validation against the fit part, test against the
    whole training part, subsequences one period (the window) long."""
    prep, m = pu.prep, pu.prep.window
    fit = prep.split.fit.sequences[0][:, 0]
    val_seg, test_seg = prep.split.validation, prep.split.test
    val = discord_scores(fit, val_seg.sequences[0][:, 0], m)[val_seg.context[0]:]
    train = np.concatenate([fit, val_seg.sequences[0][val_seg.context[0]:, 0]])
    test = discord_scores(train, test_seg.sequences[0][:, 0], m)
    return val, to_points(pu, np.arange(len(test)), test), {"training": "none", "subsequence_length": m}


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    pu = prepared(run)
    if run["model"] == "seasonal_naive" and pu.prep.period is None:  # none of the 234 files; a user's series may
        return {"metrics": {"skipped": "no period: seasonal-naive does not apply", **pu.describe()}}
    if run["model"] == MATRIX_PROFILE:
        val_scores, test_points, facts = _discord_scores(run, pu)
    else:
        val_scores, test_points, facts = _forecaster_scores(run, pu, store, progress)
    meta = pu.series.meta
    metrics = {**series_scores(test_points, meta.train_end, meta.begin, meta.end, val_scores, run["quantile"]),
               **facts, **pu.describe()}
    return {"metrics": metrics}


def expand(cfg: dict) -> list[dict]:
    """One run per (series, detector, seed); deterministic detectors run once."""
    chosen = choose_series(**cfg["series"])
    settings = UcrSettings(**cfg.get("protocol", {}))
    runs = []
    for meta in chosen:
        for name, spec in cfg["detectors"].items():
            if spec.get("model") not in (*FORECASTERS, MATRIX_PROFILE):
                raise ConfigError(f"detector {name}: model must be one of {sorted((*FORECASTERS, MATRIX_PROFILE))}, "
                                  f"got {spec.get('model')!r}")
            training = spec.get("training", "none")
            if training not in TRAININGS:
                raise ConfigError(f"detector {name}: training must be one of {TRAININGS}, got {training!r}")
            for seed in ([0] if training == "none" else cfg["seeds"]):
                run = {"experiment": EXPERIMENT, "profile": cfg["profile"], "ucr_id": meta.id,
                       "family": meta.family, "detector": name, "model": spec["model"], "training": training,
                       "seed": seed, "protocol": settings.__dict__, "horizon": settings.horizon,
                       "quantile": cfg["quantile"], "max_fit_windows": cfg["max_fit_windows"],
                       "checkpoint_every": cfg.get("checkpoint_every", 0),
                       "model_kwargs": cfg.get("model_kwargs", {}),
                       "label": f"ucr {meta.id:03d} {name} seed={seed}"}
                lr = cfg["lr"].get(spec["model"], cfg["lr"].get("default"))
                if training == "federated":
                    run.update(federated={**cfg["federated"], **spec.get("federated", {}), "lr": lr},
                               budget=cfg["budget"])
                elif training == "centralised":
                    run.update(train={**cfg["train"], "lr": lr}, budget=cfg["budget"])
                runs.append(run)
    return list({config_hash(r): r for r in runs}.values())


def absent_series(runs: list[dict]) -> dict[str, str]:
    """The runs' series whose file is not in the data directory: reported ("not run: data absent"), never
    faked; a present file is still sha256-verified when its run loads it."""
    out = {}
    for sid in dict.fromkeys(r["ucr_id"] for r in runs):
        relpath = select([sid])[0].relpath
        if locate(relpath) is None:
            out[f"{sid:03d}"] = f"not run: data absent ({data_dir() / relpath} not found; `fedad data fetch ucr_anomaly`)"
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(__doc__, argv)
    cfg = prepare(args, EXPERIMENT)
    runs = expand(cfg)
    absent = absent_series(runs)
    atomic_write_json(args.results / EXPERIMENT / f"_absent_{cfg['profile']}.json", absent)
    for sid, why in absent.items():
        print(f"UCR series {sid}: {why}")
    runs = [r for r in runs if f"{r['ucr_id']:03d}" not in absent]
    if not runs:
        return []
    out = run_all(EXPERIMENT, runs, run_one, args)
    atomic_write_json(args.results / EXPERIMENT / f"_config_{cfg['profile']}.json",
                      {k: v for k, v in cfg.items() if k != "config_file"})
    return out


if __name__ == "__main__":
    main()
