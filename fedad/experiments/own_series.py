"""``fedad own-series --csv …`` — the paper's detector on your own series, through the same protocol as the
paper's data sets: the window rule, a validation block (μ, Σ and ς out of sample), the reference
forecasters, federated AMCNN-LSTM with GCM over N virtual workers, and the same metrics.

Plant data on request: ``--sort`` puts rows in time order, ``--duplicates`` merges repeated time stamps,
``--gaps interpolate:MAX`` fills gaps of up to MAX steps by time interpolation (filled points are never
scored) and cuts at longer ones, ``--gaps split`` cuts at every gap; pieces too short for the protocol are
dropped and counted. The references are every training-free one of the paper experiments: persistence,
seasonal-naive, the raw-value distance, the matrix-profile discord and "flag nothing".

Writes into ``--out`` (default ``results/own/<csv name>/``), only once the run has finished:
``result.json`` (settings, what was changed in the file, metrics of the detector and of every reference,
provenance), ``scores.csv`` (time, label, score, flag and part of every scored point, and the filled
points, unscored), ``series.png`` (the series with labelled, filled and flagged points and the three
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

from fedad.data.cleaning import DEFAULT_MAX_FILL, DUPLICATE_RULES, parse_gaps
from fedad.data.csv_series import CsvSeries, load_csv_series
from fedad.data.events import event_runs
from fedad.data.pieces import coarse_mask, keep_long_pieces, min_piece_length
from fedad.data.protocol import SeriesProtocol, choose_window
from fedad.data.resample import resample_mean
from fedad.data.splits import split_three_way
from fedad.detection.discord_reference import discord_metrics
from fedad.detection.pipeline import PreparedSeries, calibrate, detection_metrics, prepare_series, scored_errors
from fedad.federated.loop import EpochBudget, build_trainer
from fedad.models import LABELS, build_model
from fedad.models.names import NOT_FORECASTS
from fedad.results import RESULTS_DIR, atomic_write_json, atomic_write_text, environment_info
from fedad.seeding import seed_everything
from fedad.training.tasks import predict

PACKAGED_LABELS = {"metropt3": "metropt3_failures.json"}
REFERENCES = ("persistence", "seasonal_naive", "raw_value", "matrix_profile")
CHANGES = {"rows_with_missing_values_dropped": "rows with a missing value dropped (gaps to fill)",
           "rows_sorted": "rows out of time order, sorted", "duplicate_rows_merged": "duplicate rows merged",
           "points_interpolated": "points filled by interpolation (never scored)", "gaps_filled": "gaps filled",
           "gaps_cut": "gaps the series was cut at", "missing_steps_dropped": "missing steps in those gaps (not filled)",
           "pieces_dropped": "pieces too short for the protocol dropped", "points_dropped": "rows in those pieces"}


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
    p.add_argument("--sort", action="store_true", help="sort the rows by time (default: a step back in time is an "
                   "error naming the row)")
    p.add_argument("--duplicates", choices=DUPLICATE_RULES, default="error",
                   help="rows with the same time: an error naming the row (default), keep the first or the last, "
                   "or average them")
    p.add_argument("--gaps", default="error", metavar="{error,split,interpolate[:MAX]}",
                   help="a gap in the sampling: reject the file (default); cut the series there (split); or put the "
                   "series on its usual step, fill gaps of at most MAX steps (default "
                   f"{DEFAULT_MAX_FILL}) by time interpolation and cut at longer ones (interpolate[:MAX]); pieces too "
                   "short for the protocol are dropped and counted")
    p.add_argument("--references", default=",".join(REFERENCES),
                   help="comma-separated training-free references to score beside the detector (default: all of "
                   f"{', '.join(REFERENCES)}; the discord compiles with numba on first use)")
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
    try:
        parse_gaps(args.gaps)
    except ValueError as exc:
        p.error(str(exc))
    args.references = [r.strip() for r in args.references.split(",") if r.strip()]
    unknown = [r for r in args.references if r not in REFERENCES]
    if unknown:
        p.error(f"--references: unknown {unknown}; choose from {', '.join(REFERENCES)}")
    if args.workers < 1 or not 0 < args.rho <= 100 or args.horizon < 1 or args.resample < 1:
        p.error("--workers, --horizon and --resample must be >= 1 and --rho in (0, 100]")
    return args


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
    out.update(rmse=metrics["rmse"], threshold_rule=metrics["threshold_rule"], events=metrics["event"]["events"])
    return out


def _usable_pieces(series: CsvSeries, protocol: SeriesProtocol, args: argparse.Namespace) -> tuple[CsvSeries, dict]:
    """The pieces the protocol can use (:mod:`fedad.data.pieces`): first those that hold the smallest window
    the rule may choose (or the fixed one), then, the rule having chosen on them, those that hold its window."""
    r, h = args.resample, args.horizon
    mode, max_fill = parse_gaps(args.gaps)
    hint = {"error": "a longer series, a shorter --window or a smaller --horizon would fit",
            "split": "pass --gaps interpolate:MAX to fill gaps of up to MAX steps, --every to average into longer "
                     "steps, or a shorter --window",
            "interpolate": f"raise MAX in --gaps interpolate:{max_fill} to fill longer gaps, pass --every to average "
                           "into longer steps, or a shorter --window"}[mode]
    lo = max(2, protocol.lag_range[0] // r)

    def keep(series: CsvSeries, window: int, which: str) -> tuple[CsvSeries, dict]:
        need = min_piece_length(window, h, args.train_fraction, args.validation_fraction)
        needs = (f"a window of {window} steps ({which}) + horizon {h} in the fit part, a validation block of one "
                 f"window ({args.validation_fraction} of the first {args.train_fraction} of the piece) and the horizon "
                 f"in the test part, in steps of {r} row(s)")
        return keep_long_pieces(series, need * r, needs, hint)

    series, dropped = keep(series, args.window or lo, "--window" if args.window else "the smallest the rule may choose")
    if not args.window:
        probe = split_three_way(resample_mean(series.dataset, r), args.train_fraction, args.validation_fraction,
                                "time", protocol.validation_rule, 0, None, protocol.stopping_fraction)
        series, more = keep(series, choose_window(probe, protocol)[0], "the rule's choice on the pieces left")
        dropped = {k: dropped[k] + more[k] for k in dropped}
    return series, dropped


def _unscored(prep: PreparedSeries, interpolated: list[np.ndarray], resample: int) -> dict[str, list[np.ndarray]]:
    """Per part and segment, the filled points (a step with any filled row), which are never scored."""
    coarse = [coarse_mask(m, resample) for m in interpolated]
    out = {}
    for part in prep.windows:
        segs = prep.part(part)
        out[part] = [coarse[segs.source[i]][_segment_start(prep, part, i):][: len(seg)]
                     for i, seg in enumerate(segs.sequences)]
    return out


def _references(prep: PreparedSeries, args: argparse.Namespace) -> tuple[dict, dict]:
    """Every requested training-free reference scored like the detector; and why any did not run."""
    out, skipped = {}, {}
    for name in args.references:
        if name == "matrix_profile":
            out[name] = _summary(discord_metrics(prep, args.theta))
            continue
        if name == "seasonal_naive" and (prep.period is None or not args.horizon <= prep.period <= prep.window):
            skipped[name] = f"needs horizon {args.horizon} <= period {prep.period} <= window {prep.window}"
            continue
        ref = build_model(name, dims=prep.dims, horizon=args.horizon, window=prep.window, period=prep.period)
        out[name] = _summary(detection_metrics(prep, {p: ref.predict(w.x) for p, w in prep.windows.items()},
                                               args.theta))
        if name in NOT_FORECASTS:
            out[name]["rmse"] = None  # it forecasts nothing
    return out, skipped


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    start = time.perf_counter()
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    series = load_csv_series(args.csv, args.time_column, columns, labels_path(args.labels), args.label_column,
                             args.every, args.gaps, sort=args.sort, duplicates=args.duplicates)
    longest = max(len(s) for s in series.dataset.sequences) // args.resample
    lag = tuple(args.lag_range) if args.lag_range else (8 * args.resample,
                                                       max(16, int(longest * args.train_fraction) // 10) * args.resample)
    protocol = SeriesProtocol(series.dataset.name, "csv", resample=args.resample, train_fraction=args.train_fraction,
                              validation_fraction=args.validation_fraction, lag_range=lag, window=args.window,
                              why="your own series")
    series, dropped = _usable_pieces(series, protocol, args)
    ds, stamps = series.dataset, series.stamps
    ds.notes["changes"].update(dropped)
    if dropped["pieces_dropped"]:
        print(f"dropped {dropped['pieces_dropped']} piece(s) too short for the protocol, holding "
              f"{dropped['points_dropped']} rows")
    prep = prepare_series(protocol, args.horizon, dataset=ds)
    prep.unscored = _unscored(prep, series.interpolated, args.resample)
    out_dir = args.out or RESULTS_DIR / "own" / args.csv.stem
    trainer, facts = _train(prep, args)
    model = trainer.aggregator.model
    forecasts = {p: predict(model.cpu(), torch.from_numpy(w.x)).numpy() for p, w in prep.windows.items()}
    metrics = detection_metrics(prep, forecasts, args.theta)
    references, skipped = _references(prep, args)
    references["flag_nothing"] = {"accuracy": metrics["flag_nothing"]["point"]["accuracy"], "event_recall": 0.0,
                                  "pr_auc": metrics["threshold_free"]["base_rate"]}
    table = _scores_table(prep, forecasts, stamps, args)
    flagged = _flagged_intervals(table)
    result = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
              "data": {"name": ds.name, "columns": ds.channels, "points": ds.n_points, "sequences": len(ds.sequences),
                       **ds.notes}, **prep.describe(), "training": facts, "detector": _summary(metrics),
              "references": references, "references_not_run": skipped, "flagged_intervals": flagged,
              "environment": environment_info(), "wall_time_s": time.perf_counter() - start}
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out_dir / "result.json", result)
    atomic_write_text(out_dir / "scores.csv", table.to_csv(index=False))
    _figure(table, ds, prep, series.interpolated, out_dir / "series.png")
    atomic_write_text(out_dir / "report.md", _report(result))
    print(f"{len(flagged)} flagged interval(s); detector {json.dumps(_rounded(result['detector']))}")
    print(f"wrote {out_dir}/result.json, scores.csv, series.png, report.md")
    return 0


def _rounded(d: dict) -> dict:
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}


def _scores_table(prep, forecasts, stamps, args) -> pd.DataFrame:
    """Every scored point of the validation and test parts (time, sequence, part, label, score, flag) and,
    unscored, the points of those parts that were filled by interpolation (``interpolated``)."""
    cal = calibrate(prep, forecasts, args.theta)
    rows = []
    r = prep.protocol.resample
    for part in ("validation", "test"):
        pe = scored_errors(prep, part, forecasts[part])
        scores = cal.gaussian.score(pe.errors)
        segs = prep.part(part)

        def stamp(seg: int, pos: int, segs=segs, part=part) -> object:
            src, index = segs.source[seg], (_segment_start(prep, part, seg) + pos) * r
            return stamps[src][min(index, len(stamps[src]) - 1)]

        for seg, pos, lab, sc in zip(pe.sequence, pe.position, pe.labels, scores, strict=True):
            rows.append({"time": stamp(seg, pos), "sequence": int(segs.source[seg]), "part": part, "label": bool(lab),
                         "score": float(sc), "flag": bool(sc >= cal.threshold.value), "interpolated": False})
        for seg, mask in enumerate(prep.unscored.get(part, [])):
            for pos in np.flatnonzero(mask[segs.context[seg]:]) + segs.context[seg]:
                rows.append({"time": stamp(seg, pos), "sequence": int(segs.source[seg]), "part": part,
                             "label": bool(segs.labels[seg][pos]), "score": np.nan, "flag": False,
                             "interpolated": True})
    table = pd.DataFrame(rows)
    order = table["part"].map({"validation": 0, "test": 1})
    return table.assign(_order=order).sort_values(["_order", "sequence", "time"], kind="stable").drop(
        columns="_order").reset_index(drop=True)


def _segment_start(prep, part: str, seg: int) -> int:
    """Index, in its (resampled) source sequence, of a segment's first value (context included)."""
    name = prep.part(part).names[seg]
    a = int(name.rsplit("[", 1)[1].split(":")[0]) if "[" in name else 0
    return a - prep.part(part).context[seg]


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
    filled = np.flatnonzero(np.concatenate(interpolated))
    if len(filled):
        ax.scatter(filled, values[filled], s=8, color="tab:orange", zorder=3, label="filled by interpolation (unscored)")
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


def _cell(value: object) -> object:
    """A table cell: floats to 3 decimals, whole counts as integers, missing as a dash."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{value:.3f}" if isinstance(value, float) else value


def _table(result: dict) -> str:
    rows = [{"detector": "AMCNN-LSTM (federated, GCM)", **result["detector"]}]
    rows += [{"detector": LABELS.get(k, k), **v} for k, v in result["references"].items()]
    columns = list(dict.fromkeys(c for row in rows for c in row))
    frame = pd.DataFrame([{c: _cell(row.get(c)) for c in columns} for row in rows], dtype=object)
    return frame.to_markdown(index=False, disable_numparse=True)


def _verdict(result: dict) -> str:
    """Which references the detector does not beat on PR-AUC (the threshold-free score every row has)."""
    det = result["detector"].get("pr_auc")
    beaten = {LABELS.get(k, k): v["pr_auc"] for k, v in result["references"].items()
              if v.get("pr_auc") is not None and det is not None and v["pr_auc"] >= det}
    if det is None:
        return "The detector has no test PR-AUC (no labelled test point)."
    if not beaten:
        return f"On test PR-AUC the detector ({det:.1f}) beats every reference row."
    return (f"On test PR-AUC the detector ({det:.1f}) does not beat "
            + ", ".join(f"{k} ({v:.1f})" for k, v in beaten.items())
            + ": here it is not worth its training.")


def _changes(result: dict) -> list[str]:
    changes = result["data"].get("changes", {})
    done = [f"{v} {CHANGES.get(k, k)}" for k, v in changes.items() if v]
    return [f"Changed in the file: {'; '.join(done)}." if done else "Nothing in the file was changed.", ""]


def _report(result: dict) -> str:
    flagged = result["flagged_intervals"]
    skipped = result.get("references_not_run", {})
    lines = [f"# fedad own-series — {result['data']['name']}", "",
             (f"{result['data']['points']} points in {result['data']['sequences']} piece(s), columns "
              f"{', '.join(result['data']['columns'])}; {result['data']['labelled_points']} labelled anomalous points."),
             "", *_changes(result),
             (f"Window: {result['window']} steps ({result['window_rule']}). Validation block(s): "
              + "; ".join(f"{b['validation']} ({b['rule']})" for b in result["validation_blocks"][:5]) + "."), "",
             (f"Training: {result['training']['epochs_run']:.1f} epochs of federated AMCNN-LSTM "
              f"({result['settings']['workers']} workers, ρ = {result['settings']['rho']} %); "
              + ("converged" if result["training"]["converged"] else "hit the epoch cap (not converged)") + "."), "",
             "## Detector against the references (test part)", "", _table(result), "",
             "A detector is only worth its training where it beats every reference row. " + _verdict(result), ""]
    lines += [f"Not run: {LABELS.get(k, k)} — {why}." for k, why in skipped.items()]
    lines += ["", f"## Flagged intervals ({len(flagged)})", ""]
    lines += [f"- {f['part']}: {f['start']} – {f['end']} ({f['points']} points)"
              + (" — touches a labelled fault" if f["touches_label"] else "") for f in flagged[:50]]
    if len(flagged) > 50:
        lines.append(f"- … {len(flagged) - 50} more in result.json")
    return "\n".join(lines) + "\n"
