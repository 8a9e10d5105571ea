"""The UCR anomaly archive (Wu & Keogh, KDD Cup 2021): every detector on many series, one anomaly each.

Every (series, detector, seed) of the config is one cached run:

* the series goes through :mod:`fedad.detection.ucr_protocol` (window from the training part's period,
  averaging above the window cap, the tail of the training part as validation, the test part read once);
* forecasters (AMCNN-LSTM federated with GCM or centralised, the baselines, persistence, seasonal-naive,
  the raw-value distance) train as in Figs. 5–6 (:func:`fedad.experiments.fitting.train_model`, early
  stopping on the validation block) and are calibrated by the main pipeline's own
  :func:`fedad.detection.pipeline.calibrate` (μ, Σ of Eq. 10 and ς by the false-alarm rule, from the
  validation block); the matrix-profile discord scores directly (no model), validation and test against
  the same fit part, ς by the same false-alarm rule;
* every detector's test scores go through the same :func:`fedad.detection.ucr_score.series_scores`:
  UCR hit under both rules, PR-AUC, ROC-AUC, VUS-PR, VUS-ROC, point metrics at ς, and the location error.

The series come from a rule in code (:func:`choose_series`), stated in the config:
``shortest_per_family`` (the shortest series of the ``n`` families whose shortest series are shortest)
or ``stratified`` (families in turn, largest first, each giving its next-shortest series, until ``n``;
each round runs in an order drawn from the rule's ``seed``). Both take at most one series per source
(:func:`fedad.data.ucr_archive.source_keys`) until every source is taken, and break length ties by a
seeded draw. ``reference_series`` (optional) widens the training-free references' series.

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
from fedad.data.ucr_archive import UcrFile, archive_sources, catalogue, load_ucr, select
from fedad.detection.pipeline import FALSE_ALARM_RATE, calibrate, scored_errors
from fedad.detection.threshold import false_alarm_threshold
from fedad.detection.ucr_protocol import PreparedUcr, UcrSettings, prepare_ucr, to_points
from fedad.detection.ucr_score import series_scores
from fedad.detection.vus import sliding_window
from fedad.experiments.common import ConfigError, learning_rate, parse_args, prepare, run_all
from fedad.experiments.fitting import forecast, train_model
from fedad.models import FORECASTERS
from fedad.models.discord import discord_scores
from fedad.results import ResultStore, atomic_write_json, config_hash

EXPERIMENT = "ucr"
SELECTION_RULES = ("shortest_per_family", "stratified", "ids")
TRAININGS = ("centralised", "federated", "none")
MATRIX_PROFILE = "matrix_profile"


def choose_series(rule: str, n: int | None = None, ids: list[int] | None = None,
                  families: list[str] | None = None, seed: int = 0) -> list[UcrFile]:
    """The series of a run, in the order they run, by a rule of the module docstring (or the explicit
    ``ids``/``families``, in id order).

    Within a family, series of equal length are ordered by a draw from ``seed``, not by id (ids put every
    DISTORTED variant first). A series whose source (:func:`fedad.data.ucr_archive.archive_sources`) is
    already taken is passed over while any series of an untaken source remains.
    """
    if rule == "ids":
        return select(ids, families)
    if rule not in SELECTION_RULES:
        raise ConfigError(f"series rule must be one of {SELECTION_RULES}, got {rule!r}")
    if not n or n < 1:
        raise ConfigError(f"series rule {rule!r} needs n >= 1, got {n!r}")
    rng = np.random.default_rng(seed)
    files = catalogue()
    draw = dict(zip((f.id for f in files), rng.permutation(len(files)).tolist(), strict=True))
    length = _lengths()
    by_family: dict[str, list[UcrFile]] = defaultdict(list)
    for f in files:
        by_family[f.family].append(f)
    for members in by_family.values():
        members.sort(key=lambda f: (length[f.id], draw[f.id]))
    if rule == "shortest_per_family":
        order = sorted(by_family, key=lambda fam: (length[by_family[fam][0].id], draw[by_family[fam][0].id]))
        return _take(by_family, order, n, rounds=1)
    order = sorted(by_family, key=lambda fam: (-len(by_family[fam]), fam))
    return _take(by_family, order, n, rounds=None, rng=rng)


def _take(by_family: dict[str, list[UcrFile]], order: list[str], n: int, rounds: int | None,
          rng: np.random.Generator | None = None) -> list[UcrFile]:
    """Families in ``order`` each give their next series of an untaken source, round after round (at most
    ``rounds``), until ``n``; once no untaken source is left, taken ones may give more. With ``rng``, each
    round runs in a drawn order, so that a run stopped part-way is a sample of families, not the largest."""
    source = archive_sources()
    queues = {fam: list(members) for fam, members in by_family.items()}
    out: list[UcrFile] = []
    taken: set[str] = set()
    repeat, done = False, 0
    while len(out) < n and any(queues.values()) and (rounds is None or done < rounds):
        picked: list[UcrFile] = []
        for fam in order:
            pick = next((f for f in queues[fam] if repeat or source[f.id] not in taken), None)
            if pick is not None and len(out) + len(picked) < n:
                queues[fam].remove(pick)
                taken.add(source[pick.id])
                picked.append(pick)
        if not picked:
            repeat = True
            continue
        out += picked if rng is None else [picked[i] for i in rng.permutation(len(picked))]
        done += 1
    return out


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
    """(ς, one test score per original point, training facts) of a forecaster: μ, Σ and ς by the main
    pipeline's own :func:`fedad.detection.pipeline.calibrate` on the validation block (the archive's
    training part holds no anomaly, so every validation point is normal), Eq. 10 on the test part."""
    prep = pu.prep
    stride = max(1, math.ceil(len(prep.windows["fit"]) / run["max_fit_windows"]))
    model, facts, _ = train_model({**run, "fit_stride": stride}, prep, store, progress)
    outputs = {}
    for part in ("validation", "test"):
        outputs[part] = forecast(model, prep.windows[part].x)
        if not np.isfinite(outputs[part]).all():
            raise FloatingPointError(f"{run['label']}: non-finite forecasts on the {part} part (training diverged)")
    cal = calibrate(prep, {"validation": outputs["validation"]}, headline="false_alarm")
    test = scored_errors(prep, "test", outputs["test"])  # read once, after μ, Σ and ς are fixed
    return cal.threshold.value, to_points(pu, test.position, cal.gaussian.score(test.errors)), \
        {**facts, "fit_stride": stride}


def _discord_scores(run: dict, pu: PreparedUcr):
    """The same triple for the matrix-profile discord, subsequences one period (the window) long: the
    validation and the test part are both scored against the fit part, so that ς and the test scores
    measure distance to the same reference."""
    prep, m = pu.prep, pu.prep.window
    fit = prep.split.fit.sequences[0][:, 0]
    val_seg, test_seg = prep.split.validation, prep.split.test
    val = discord_scores(fit, val_seg.sequences[0][:, 0], m)[val_seg.context[0]:]
    test = discord_scores(fit, test_seg.sequences[0][:, 0], m)
    threshold = false_alarm_threshold(val, FALSE_ALARM_RATE).value
    return threshold, to_points(pu, np.arange(len(test)), test), {"training": "none", "subsequence_length": m}


def run_one(run: dict, store: ResultStore, progress: bool) -> dict:
    pu = prepared(run)
    if run["model"] == "seasonal_naive" and pu.prep.period is None:  # none of the 234 files; a user's series may
        return {"metrics": {"skipped": "no period: seasonal-naive does not apply", **pu.describe()}}
    if run["model"] == MATRIX_PROFILE:
        threshold, test_points, facts = _discord_scores(run, pu)
    else:
        threshold, test_points, facts = _forecaster_scores(run, pu, store, progress)
    meta = pu.series.meta
    window = sliding_window(pu.series.values[: meta.train_end])
    metrics = {**series_scores(test_points, meta.train_end, meta.begin, meta.end, threshold, window),
               "false_alarm_rate": FALSE_ALARM_RATE, "source": archive_sources().get(meta.id, f"{meta.id:03d}"),
               **facts, **pu.describe()}
    return {"metrics": metrics}


def planned_series(cfg: dict) -> tuple[list[UcrFile], list[UcrFile]]:
    """(the series every detector runs on, the further series only the training-free references run on),
    each in run order; ``reference_series`` in a config widens the references' set (the full profile: all
    234 series present), never the learned detectors'."""
    chosen = choose_series(**cfg["series"])
    wider = choose_series(**cfg["reference_series"]) if cfg.get("reference_series") else []
    ids = {f.id for f in chosen}
    return chosen, [f for f in wider if f.id not in ids]


def expand(cfg: dict) -> list[dict]:
    """One run per (series, detector, seed); deterministic detectors run once. The training-free
    references come first (minutes on every series), then the learned detectors series by series in the
    rule's order, so a run stopped part-way holds every reference and a stratified sample of the rest."""
    chosen, extra = planned_series(cfg)
    settings = UcrSettings(**cfg.get("protocol", {}))
    references, learned = [], []
    for name, spec in cfg["detectors"].items():
        if spec.get("model") not in (*FORECASTERS, MATRIX_PROFILE):
            raise ConfigError(f"detector {name}: model must be one of {sorted((*FORECASTERS, MATRIX_PROFILE))}, "
                              f"got {spec.get('model')!r}")
        training = spec.get("training", "none")
        if training not in TRAININGS:
            raise ConfigError(f"detector {name}: training must be one of {TRAININGS}, got {training!r}")
        (references if training == "none" else learned).append((name, spec, training))
    runs = [_run(cfg, settings, meta, name, spec, training, 0)
            for meta in chosen + extra for name, spec, training in references]
    runs += [_run(cfg, settings, meta, name, spec, training, seed)
             for meta in chosen for name, spec, training in learned for seed in cfg["seeds"]]
    return list({config_hash(r): r for r in runs}.values())


def _run(cfg: dict, settings: UcrSettings, meta: UcrFile, name: str, spec: dict, training: str, seed: int) -> dict:
    run = {"experiment": EXPERIMENT, "profile": cfg["profile"], "ucr_id": meta.id,
           "family": meta.family, "detector": name, "model": spec["model"], "training": training,
           "seed": seed, "protocol": settings.__dict__, "horizon": settings.horizon,
           "max_fit_windows": cfg["max_fit_windows"], "checkpoint_every": cfg.get("checkpoint_every", 0),
           "model_kwargs": cfg.get("model_kwargs", {}), "label": f"ucr {meta.id:03d} {name} seed={seed}"}
    lr = learning_rate(cfg, spec["model"], training) if training in ("federated", "centralised") else None
    if training == "federated":
        run.update(federated={**cfg["federated"], **spec.get("federated", {}), "lr": lr}, budget=cfg["budget"])
    elif training == "centralised":
        run.update(train={**cfg["train"], "lr": lr}, budget=cfg["budget"])
    return run


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
    chosen, extra = planned_series(cfg)
    folder = args.results / EXPERIMENT
    # written before the first run, so that the report of a run stopped part-way reads what finished and
    # says how far it got; a rerun resumes from the cached results
    atomic_write_json(folder / f"_plan_{cfg['profile']}.json",
                      {"series": [f.id for f in chosen], "reference_series": [f.id for f in extra],
                       "detectors": {n: s.get("training", "none") for n, s in cfg["detectors"].items()},
                       "seeds": cfg["seeds"], "absent": sorted(int(k) for k in absent)})
    atomic_write_json(folder / f"_current_{cfg['profile']}.json", sorted(config_hash(r) for r in runs))
    out = run_all(EXPERIMENT, runs, run_one, args)
    atomic_write_json(args.results / EXPERIMENT / f"_config_{cfg['profile']}.json",
                      {k: v for k, v in cfg.items() if k != "config_file"})
    return out


if __name__ == "__main__":
    main()
