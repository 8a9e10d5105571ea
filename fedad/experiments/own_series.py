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

from fedad.data.csv_series import load_csv_series
from fedad.data.events import event_runs
from fedad.data.protocol import SeriesProtocol
from fedad.detection.pipeline import calibrate, detection_metrics, prepare_series, scored_errors
from fedad.federated.loop import EpochBudget, build_trainer
from fedad.models import LABELS, build_model
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
    p.add_argument("--gaps", choices=("error", "split"), default="error",
                   help="a gap in the sampling: reject the file (default) or cut the series there")
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


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    start = time.perf_counter()
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    ds, stamps = load_csv_series(args.csv, args.time_column, columns, labels_path(args.labels), args.label_column,
                                 args.every, args.gaps)
    longest = max(len(s) for s in ds.sequences) // args.resample
    lag = tuple(args.lag_range) if args.lag_range else (8 * args.resample,
                                                       max(16, int(longest * args.train_fraction) // 10) * args.resample)
    protocol = SeriesProtocol(ds.name, "csv", resample=args.resample, train_fraction=args.train_fraction,
                              validation_fraction=args.validation_fraction, lag_range=lag, window=args.window,
                              why="your own series")
    prep = prepare_series(protocol, args.horizon, dataset=ds)
    out_dir = args.out or RESULTS_DIR / "own" / args.csv.stem
    trainer, facts = _train(prep, args)
    model = trainer.aggregator.model
    forecasts = {p: predict(model.cpu(), torch.from_numpy(w.x)).numpy() for p, w in prep.windows.items()}
    metrics = detection_metrics(prep, forecasts, args.theta)
    references = {}
    for name in ("persistence", "seasonal_naive"):
        if name == "seasonal_naive" and (prep.period is None or prep.period < args.horizon):
            continue
        ref = build_model(name, dims=prep.dims, horizon=args.horizon, window=prep.window, period=prep.period)
        references[name] = _summary(detection_metrics(prep, {p: ref.predict(w.x) for p, w in prep.windows.items()}, args.theta))
    references["flag_nothing"] = {"accuracy": metrics["flag_nothing"]["point"]["accuracy"], "event_recall": 0.0,
                                  "pr_auc": metrics["threshold_free"]["base_rate"]}
    table = _scores_table(prep, forecasts, stamps, args)
    flagged = _flagged_intervals(table)
    result = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
              "data": {"name": ds.name, "columns": ds.channels, "points": ds.n_points, "sequences": len(ds.sequences),
                       **ds.notes}, **prep.describe(), "training": facts, "detector": _summary(metrics),
              "references": references, "flagged_intervals": flagged, "environment": environment_info(),
              "wall_time_s": time.perf_counter() - start}
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out_dir / "result.json", result)
    atomic_write_text(out_dir / "scores.csv", table.to_csv(index=False))
    _figure(table, ds, prep, out_dir / "series.png")
    atomic_write_text(out_dir / "report.md", _report(result))
    print(f"{len(flagged)} flagged interval(s); detector {json.dumps(_rounded(result['detector']))}")
    print(f"wrote {out_dir}/result.json, scores.csv, series.png, report.md")
    return 0


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
            offset = _segment_start(prep, part, seg)
            index = (offset + pos) * prep.protocol.resample
            t = stamps[src][min(index, len(stamps[src]) - 1)]
            rows.append({"time": t, "sequence": int(src), "part": part, "label": bool(lab), "score": float(sc),
                         "flag": bool(sc >= cal.threshold.value)})
    return pd.DataFrame(rows)


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


def _figure(table: pd.DataFrame, ds, prep, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_s) = plt.subplots(2, 1, figsize=(13, 6.5), sharex=False, gridspec_kw={"height_ratios": [2, 1]})
    values = np.concatenate(ds.sequences)[:, 0]
    labels = np.concatenate(ds.labels)
    ax.plot(values, lw=0.6, color="black", label=f"{ds.channels[0]} (first column)")
    ax.fill_between(np.arange(len(values)), values.min(), values.max(), where=labels, color="tab:red", alpha=0.3,
                    label="labelled fault")
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
    frame = pd.DataFrame(rows)
    table = frame.astype(object).where(frame.notna(), "—").to_markdown(index=False)
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
             f"## Flagged intervals ({len(flagged)})", ""]
    lines += [f"- {f['part']}: {f['start']} – {f['end']} ({f['points']} points)"
              + (" — touches a labelled fault" if f["touches_label"] else "") for f in flagged[:50]]
    if len(flagged) > 50:
        lines.append(f"- … {len(flagged) - 50} more in result.json")
    return "\n".join(lines) + "\n"
