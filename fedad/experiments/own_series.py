"""``fedad own-series --csv …`` — the paper's detector on your own series, through the same protocol as the
paper's data sets: the window rule, a validation block (μ, Σ and ς out of sample), the reference
forecasters, federated AMCNN-LSTM with GCM over N virtual workers, and the same metrics.

Writes into ``--out`` (default ``results/own/<csv name>/``): ``result.json`` (settings, metrics of the
detector and of every reference, provenance), ``scores.csv`` (time, values, label, score, flag and part
of every scored point), ``series.png`` (the series with labelled and flagged intervals and the three
parts) and ``report.md`` (a short summary with the flagged intervals).

Example (MetroPT-3, whose documented failures ship with fedad):

    fedad own-series --csv "MetroPT3(AirCompressor).csv" --time-column timestamp --columns TP2,TP3,Motor_current \\
        --labels metropt3 --every 10min --gaps split
"""

from __future__ import annotations

import argparse
import json
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from fedad.data.csv_series import DUPLICATES, CsvSeries, GapPolicy, drop_short, load_csv_series
from fedad.data.events import event_runs
from fedad.data.protocol import SeriesProtocol, choose_window
from fedad.data.resample import resample_mean
from fedad.data.splits import split_three_way
from fedad.detection.pipeline import (
    calibrate,
    detection_metrics,
    prepare_series,
    score_metrics,
    scored_errors,
    segment_start,
)
from fedad.federated.loop import EpochBudget, build_trainer
from fedad.models import LABELS, build_model
from fedad.models.discord import discord_scores
from fedad.results import RESULTS_DIR, atomic_write_json, atomic_write_text, environment_info
from fedad.seeding import seed_everything
from fedad.training.tasks import predict

PACKAGED_LABELS = {"metropt3": "metropt3_failures.json"}


def labels_path(value: str | None) -> str | Path | None:
    """A label file, or the name of one that ships with fedad (``metropt3``)."""
    if value in PACKAGED_LABELS:
        return resources.files("fedad.data").joinpath(PACKAGED_LABELS[value])
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="fedad own-series", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv", required=True, type=Path, help="the CSV file of the series")
    p.add_argument("--time-column", required=True, help="the column of time stamps (dates or numbers), increasing")
    p.add_argument("--columns", default=None, help="comma-separated value columns (default: every other column)")
    p.add_argument("--labels", default=None, help="JSON list of [start, end] fault intervals in the time column's "
                   "units, or 'metropt3' for MetroPT-3's documented failures")
    p.add_argument("--label-column", default=None, help="a 0/1 column marking anomalous rows (instead of --labels)")
    p.add_argument("--every", default=None, help="average into fixed time steps first, e.g. 1min, 1h (dates only)")
    p.add_argument("--sort", action="store_true", help="sort the rows by time first (default: a row that steps "
                   "back in time is an error naming it)")
    p.add_argument("--duplicates", choices=DUPLICATES, default="error",
                   help="rows with the same time stamp: an error naming the row (default), or merged keeping the "
                   "first, the last, or the mean of their values")
    p.add_argument("--gaps", default="error", metavar="{error,split,interpolate[:MAX]}",
                   help="a gap in the sampling (a step over 1.5 × the usual one): an error naming it (default); "
                   "split: cut the series there (pieces too short for the protocol are dropped and counted); "
                   "interpolate[:MAX]: fill gaps of at most MAX missing steps (default 3) by time interpolation, "
                   "split at longer ones; filled points are marked and never scored")
    p.add_argument("--resample", type=int, default=1, help="average every N rows into one step (default 1)")
    p.add_argument("--window", type=int, default=0,
                   help="input window in steps (default: the dominant period by autocorrelation)")
    p.add_argument("--lag-range", type=int, nargs=2, default=None, metavar=("MIN", "MAX"),
                   help="where to look for the period, in steps (default: 8 .. a tenth of the train part)")
    p.add_argument("--horizon", type=int, default=4, help="forecast horizon T (default 4)")
    p.add_argument("--train-fraction", type=float, default=0.7, help="train part, in time order (default 0.7)")
    p.add_argument("--validation-fraction", type=float, default=0.2,
                   help="validation block, a share of the train part (default 0.2)")
    p.add_argument("--workers", type=int, default=10, help="virtual workers N (default 10)")
    p.add_argument("--rho", type=float, default=0.3, help="top-k percentage each worker sends (default 0.3)")
    p.add_argument("--batch-size", type=int, default=16, help="batch per worker (default 16)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate, momentum SGD (default 0.1)")
    p.add_argument("--max-epochs", type=int, default=30, help="epoch cap (default 30)")
    p.add_argument("--patience", type=int, default=5, help="epochs without validation improvement (default 5)")
    p.add_argument("--theta", type=float, default=0.05, help="θ of F_θ (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default results/own/<csv name>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.workers < 1 or not 0 < args.rho <= 100 or args.horizon < 1 or args.resample < 1:
        p.error("--workers, --horizon and --resample must be >= 1 and --rho in (0, 100]")
    try:
        GapPolicy.parse(args.gaps)
    except ValueError as exc:
        p.error(f"--gaps: {exc}")
    return args


def min_piece_points(window: int, horizon: int, train_fraction: float, validation_fraction: float) -> int:
    """The fewest steps a piece needs to be split by the protocol on its own: a validation block at least a
    window long, a fitting part that holds a window and its horizon, and a test part of a horizon."""
    n = window + horizon
    while True:
        c = int(np.floor(train_fraction * n))
        v = round(validation_fraction * c)
        if v >= window and c - v >= window + horizon and n - c >= horizon:
            return n
        n += 1


def usable_pieces(csv: CsvSeries, protocol: SeriesProtocol, horizon: int, window: int) -> tuple[CsvSeries, int]:
    """The pieces long enough for the protocol, and the window they give (``window``, else the protocol's
    period rule over the pieces that can hold its shortest lag); one error when none is long enough."""
    r = protocol.resample
    tf, vf = protocol.train_fraction, protocol.validation_fraction
    shortest = window or max(2, protocol.lag_range[0] // r)
    kept = drop_short(csv, min_piece_points(shortest, horizon, tf, vf) * r)
    if kept.dataset.sequences and kept.stamps and not window:
        ds = resample_mean(kept.dataset, r)
        probe = split_three_way(ds, tf, vf, protocol.split_mode, protocol.validation_rule, 0, None,
                                protocol.stopping_fraction)
        window = choose_window(probe, protocol)[0]
        kept = drop_short(kept, min_piece_points(window, horizon, tf, vf) * r)
    if not kept.stamps:
        longest = max((len(x) for x in csv.dataset.sequences), default=0)
        need = min_piece_points(window or shortest, horizon, tf, vf) * r
        c = csv.changes
        raise ValueError(f"{csv.dataset.name}: too little is left to fit, validate and test: the longest of "
                         f"{len(csv.dataset.sequences)} piece(s) holds {longest} points ({c['gaps_split']} gap(s) cut "
                         f"the series), and the protocol needs {need} in one piece (window {window or shortest} + "
                         f"horizon {horizon} in its fit, validation and test parts); pass --gaps interpolate:MAX to "
                         "fill short gaps, --every to average into longer steps, or a shorter --window")
    return kept, window


def _train(prep, args):
    task = prep.task()
    settings = {"n_workers": args.workers, "batch_size": args.batch_size, "lr": args.lr, "rho": args.rho,
                "clip_norm": 10.0}
    seed_everything(args.seed)
    trainer = build_trainer(task, lambda: build_model("amcnn_lstm", dims=prep.dims, horizon=args.horizon,
                                                      window=prep.window),
                            settings, args.seed, EpochBudget(args.max_epochs, 1.0, args.patience))
    result = trainer.run(progress=not args.quiet, desc="AMCNN-LSTM, federated")
    return trainer, {**trainer.stopper.summary(trainer.epochs_run, args.max_epochs),
                     **result.totals(trainer.n_params)}


def _summary(metrics: dict) -> dict:
    keep = {"accuracy": ("point", "accuracy"), "precision": ("point", "precision"), "recall": ("point", "recall"),
            "f1": ("point", "f1"), "event_recall": ("event", "recall"), "event_precision": ("event", "precision"),
            "pr_auc": ("threshold_free", "pr_auc"), "roc_auc": ("threshold_free", "roc_auc")}
    out = {k: metrics[a][b] for k, (a, b) in keep.items()}
    out.update(rmse=metrics["rmse"], threshold_rule=metrics["threshold_rule"], events=int(metrics["event"]["events"]))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    start = time.perf_counter()
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    csv = load_csv_series(args.csv, args.time_column, columns, labels_path(args.labels), args.label_column,
                          args.every, args.gaps, sort=args.sort, duplicates=args.duplicates)
    longest = max(len(s) for s in csv.dataset.sequences) // args.resample
    lag = tuple(args.lag_range) if args.lag_range else (8 * args.resample,
                                                       max(16, int(longest * args.train_fraction) // 10) * args.resample)
    protocol = SeriesProtocol(csv.dataset.name, "csv", resample=args.resample, train_fraction=args.train_fraction,
                              validation_fraction=args.validation_fraction, lag_range=lag, window=args.window,
                              why="your own series")
    csv, _ = usable_pieces(csv, protocol, args.horizon, args.window)
    ds, stamps = csv.dataset, csv.stamps
    prep = prepare_series(protocol, args.horizon, dataset=ds)
    prep.unscored = [m[: len(m) // args.resample * args.resample].reshape(-1, args.resample).any(axis=1)
                     for m in csv.interpolated]  # a step holding an interpolated point is never scored
    out_dir = args.out or RESULTS_DIR / "own" / args.csv.stem
    trainer, facts = _train(prep, args)
    model = trainer.aggregator.model
    forecasts = {p: predict(model.cpu(), torch.from_numpy(w.x)).numpy() for p, w in prep.windows.items()}
    metrics = detection_metrics(prep, forecasts, args.theta)
    references = {}
    for name in ("persistence", "seasonal_naive", "raw_value"):
        if name == "seasonal_naive" and (prep.period is None or prep.period < args.horizon):
            continue
        ref = build_model(name, dims=prep.dims, horizon=args.horizon, window=prep.window, period=prep.period)
        references[name] = _summary(detection_metrics(prep, {p: ref.predict(w.x) for p, w in prep.windows.items()}, args.theta))
    references["matrix_profile"] = _summary(_discord_metrics(prep, forecasts, args.theta))
    references["flag_nothing"] = {"accuracy": metrics["flag_nothing"]["point"]["accuracy"], "event_recall": 0.0,
                                  "pr_auc": metrics["threshold_free"]["base_rate"]}
    table = _scores_table(prep, forecasts, stamps, args)
    flagged = _flagged_intervals(table)
    result = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
              "data": {"name": ds.name, "columns": ds.channels, "points": ds.n_points, "sequences": len(ds.sequences),
                       **ds.notes}, "changes": csv.changes, **prep.describe(), "training": facts,
              "detector": _summary(metrics), "references": references, "flagged_intervals": flagged,
              "environment": environment_info(), "wall_time_s": time.perf_counter() - start}
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out_dir / "result.json", result)
    atomic_write_text(out_dir / "scores.csv", table.to_csv(index=False))
    _figure(table, ds, prep, csv.interpolated, out_dir / "series.png")
    atomic_write_text(out_dir / "report.md", _report(result))
    print(f"{len(flagged)} flagged interval(s); detector {json.dumps(_rounded(result['detector']))}")
    print(f"wrote {out_dir}/result.json, scores.csv, series.png, report.md")
    return 0


def _discord_metrics(prep, forecasts: dict, theta: float) -> dict:
    """The matrix-profile discord (:mod:`fedad.models.discord`, one period long, summed over channels) on the
    scored points of the forecasters: validation against the fit part, test against fit and validation."""
    m = prep.window
    fit = np.concatenate(prep.split.fit.sequences)
    val_part = prep.part("validation")
    own_val = np.concatenate([s[c:] for s, c in zip(val_part.sequences, val_part.context, strict=True)])
    scores = {}
    for part, reference in (("validation", fit), ("test", np.concatenate([fit, own_val]))):
        segs = prep.part(part)
        per_segment = [sum(discord_scores(reference[:, d], seq[:, d], m) for d in range(prep.dims))
                       for seq in segs.sequences]
        points = scored_errors(prep, part, forecasts[part])  # the same points as every forecaster's
        scores[part] = (points, np.array([per_segment[k][p] for k, p in zip(points.sequence, points.position,
                                                                            strict=True)]))
    (val, val_scores), (test, test_scores) = scores["validation"], scores["test"]
    return score_metrics(val, val_scores, test, test_scores, theta, prep.chunk)


def _rounded(d: dict) -> dict:
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}


def _scores_table(prep, forecasts, stamps, args) -> pd.DataFrame:
    """Every scored point of the validation and test parts: time, values, label, score, flag, part."""
    cal = calibrate(prep, forecasts, args.theta)
    rows = []
    for part in ("validation", "test"):
        pe = scored_errors(prep, part, forecasts[part])
        scores = cal.gaussian.score(pe.errors)
        segs = prep.part(part)
        for seg, pos, lab, sc in zip(pe.sequence, pe.position, pe.labels, scores, strict=True):
            src = segs.source[seg]
            offset = segment_start(segs, seg)
            index = (offset + pos) * prep.protocol.resample
            t = stamps[src][min(index, len(stamps[src]) - 1)]
            rows.append({"time": t, "sequence": int(src), "part": part, "label": bool(lab), "score": float(sc),
                         "flag": bool(sc >= cal.threshold.value)})
    # interpolated points are never scored, so they never reach this table; series.png marks them
    return pd.DataFrame(rows)


def _flagged_intervals(table: pd.DataFrame) -> list[dict]:
    out = []
    for (seq, part), rows in table.groupby(["sequence", "part"], sort=False):
        for a, b in event_runs(rows["flag"].to_numpy()):
            out.append({"sequence": int(seq), "part": part, "start": str(rows["time"].iloc[a]),
                        "end": str(rows["time"].iloc[b - 1]), "points": b - a,
                        "touches_label": bool(rows["label"].iloc[a:b].any())})
    return out


def _figure(table: pd.DataFrame, ds, prep, interpolated: list[np.ndarray], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_s) = plt.subplots(2, 1, figsize=(13, 6.5), sharex=False, gridspec_kw={"height_ratios": [2, 1]})
    values = np.concatenate(ds.sequences)[:, 0]
    labels = np.concatenate(ds.labels)
    ax.plot(values, lw=0.6, color="black", label=f"{ds.channels[0]} (first column)")
    ax.fill_between(np.arange(len(values)), values.min(), values.max(), where=labels, color="tab:red", alpha=0.3,
                    label="labelled fault")
    filled = np.concatenate(interpolated)
    if filled.any():
        ax.scatter(np.flatnonzero(filled), values[filled], s=8, color="tab:orange", zorder=3,
                   label=f"interpolated ({int(filled.sum())}, never scored)")
    r = prep.protocol.resample
    for k, block in enumerate(prep.split.blocks if prep.protocol.split_mode == "time" else []):
        offset = sum(len(s) for s in ds.sequences[:k])
        a, b = block["validation"]
        ax.axvspan(offset + a * r, offset + b * r, color="tab:green", alpha=0.12,
                   label="validation block (μ, Σ, ς)" if k == 0 else None)
        ax.axvspan(offset + block["train"][1] * r, offset + len(ds.sequences[k]), color="tab:blue", alpha=0.08,
                   label="test part" if k == 0 else None)
    ax.set(xlabel="row", ylabel=ds.channels[0], title=f"{ds.name}: series, labelled faults and the three parts")
    for part, colour in (("validation", "tab:green"), ("test", "tab:blue")):
        sub = table[table.part == part]
        ax_s.plot(np.arange(len(sub)) if part == "validation" else np.arange(len(sub)) + (table.part == "validation").sum(),
                  sub.score.to_numpy(), lw=0.6, color=colour, label=f"score, {part} part")
    flagged = table.flag.to_numpy()
    ax_s.scatter(np.flatnonzero(flagged), table.score.to_numpy()[flagged], s=6, color="black", label="flagged")
    ax_s.fill_between(np.arange(len(table)), table.score.min(), table.score.max(), where=table.label.to_numpy(),
                      color="tab:red", alpha=0.2, label="labelled")
    ax_s.set_yscale("log")
    ax_s.set(xlabel="scored point (validation, then test)", ylabel="score (Eq. 10)")
    for a in (ax, ax_s):
        a.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.subplots_adjust(left=0.07, right=0.8, hspace=0.45)
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=130)
    tmp.replace(path)
    plt.close(fig)


def _report(result: dict) -> str:
    det, refs = result["detector"], result["references"]
    rows = [{"detector": "AMCNN-LSTM (federated, GCM)", **_rounded(det)}]
    rows += [{"detector": LABELS.get(k, k), **_rounded(v)} for k, v in refs.items()]
    frame = pd.DataFrame(rows, dtype=object)  # object: an integer column stays integer beside missing cells
    table = frame.where(frame.notna(), "—").to_markdown(index=False)
    flagged = result["flagged_intervals"]
    lines = [f"# fedad own-series — {result['data']['name']}", "",
             (f"{result['data']['points']} points, columns {', '.join(result['data']['columns'])}; "
              f"{result['data']['labelled_points']} labelled anomalous points."), "",
             (f"Window: {result['window']} steps ({result['window_rule']}). Validation block(s): "
              + "; ".join(f"{b['validation']} ({b['rule']})" for b in result["validation_blocks"][:5]) + "."), "",
             (f"Training: {result['training']['epochs_run']:.1f} epochs of federated AMCNN-LSTM "
              f"({result['settings']['workers']} workers, ρ = {result['settings']['rho']} %); "
              + ("converged" if result["training"]["converged"] else "hit the epoch cap (not converged)") + "."), "",
             "## Detector against the references (test part)", "", table, "",
             "A detector is only worth its training where it beats every reference row.", "",
             *_changes_text(result["changes"]),
             f"## Flagged intervals ({len(flagged)})", ""]
    lines += [f"- {f['part']}: {f['start']} – {f['end']} ({f['points']} points)"
              + (" — touches a labelled fault" if f["touches_label"] else "") for f in flagged[:50]]
    if len(flagged) > 50:
        lines.append(f"- … {len(flagged) - 50} more in result.json")
    return "\n".join(lines) + "\n"


def _changes_text(changes: dict) -> list[str]:
    """What reading the file changed, in words (nothing when nothing was changed)."""
    said = {"rows_sorted": "rows moved by sorting", "duplicates_merged": "rows merged into one per time stamp",
            "points_interpolated": "points interpolated (marked in series.png, never scored)",
            "gaps_filled": "gaps filled", "gaps_split": "gaps where the series was cut",
            "pieces_dropped": "pieces dropped as too short for the protocol",
            "points_dropped": "points in the dropped pieces"}
    lines = [f"- {changes[k]} {text}" for k, text in said.items() if changes.get(k)]
    return ["## What reading the file changed", "", *lines, ""] if lines else []

