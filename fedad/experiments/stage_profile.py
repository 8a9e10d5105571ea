"""Where a profile spends its time: per stage, per kind of run, and inside one run of each kind.

    fedad profile                          tables from the last `make reproduce` (results/), no training
    fedad profile --inside                 also one run of each experiment under cProfile (a minute or two)

The stage and run-kind tables read what every experiment records: its stage's wall time
(``results/<experiment>/_stage_<profile>.json``, written by ``run_all``) and each run's own wall time and
per-round compute and aggregation times. ``--inside`` runs one representative run per experiment on one
core (the share each of ``make reproduce``'s two jobs gets) with cProfile and splits its time into data
loading, forward + backward, Algorithm 1, encoding, evaluation and the rest; it also times a fresh
interpreter's imports and numba's first compilation of the matrix profile. It writes
``results/profile.md`` (the tables of ``reproduce/README.md``'s performance section).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from fedad.experiments.common import PROFILES
from fedad.results import RESULTS_DIR

STAGES = ("tune_rho", "detect", "comm", "compressors", "ucr")

# cProfile entries whose cumulative times are disjoint parts of a run: (bucket, file suffix, function)
BUCKETS = (
    ("data loading and windowing", "fedad/data/loaders.py", "load_images"),
    ("data loading and windowing", "fedad/detection/pipeline.py", "prepare_series"),
    ("forward + backward", "fedad/federated/worker.py", "gradient"),
    ("forward + backward", "fedad/training/centralised.py", "fit_centralised"),
    ("encoding + decoding", "fedad/compression/codec.py", "_encode"),
    ("encoding + decoding", "fedad/compression/codec.py", "decode"),
    ("evaluation", "fedad/federated/loop.py", "evaluate"),
    ("evaluation", "fedad/detection/pipeline.py", "detection_metrics"),
)
ROUND = ("fedad/federated/loop.py", "_round")  # a federated round: forward + backward + Algorithm 1


def _read(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_kind(label: str) -> str:
    """A run's label without its seed and device number: runs of one kind differ only in those."""
    return re.sub(r"\s*(seed|worker)=\d+", "", label).strip()


def current_runs(results: Path, experiment: str, profile: str) -> list[dict]:
    """The result files of an experiment's current config (``_current_<profile>.json``)."""
    hashes = _read(results / experiment / f"_current_{profile}.json") or []
    runs = [_read(results / experiment / f"{h}.json") for h in hashes]
    return [r for r in runs if isinstance(r, dict)]


def stage_rows(results: Path, profile: str) -> list[dict]:
    """Per stage: its wall time, its runs' summed wall time, and how busy that kept the jobs' cores."""
    rows = []
    for experiment in STAGES:
        stage = _read(results / experiment / f"_stage_{profile}.json")
        runs = current_runs(results, experiment, profile)
        if not runs:
            continue
        run_s = sum(r.get("wall_time_s") or 0.0 for r in runs)
        row = {"stage": experiment, "runs": len(runs), "run_s": run_s, "wall_s": None, "busy": None}
        if isinstance(stage, dict) and stage.get("ran") == len(runs):  # a partly cached stage says nothing
            row["wall_s"] = stage["wall_s"]
            row["busy"] = run_s / (stage["wall_s"] * max(1, stage["jobs"]))
        rows.append(row)
    return rows


def kind_rows(results: Path, profile: str, top: int = 12) -> list[dict]:
    """The run kinds that cost most, with their count, total and median wall time and compute share."""
    kinds: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for experiment in STAGES:
        for r in current_runs(results, experiment, profile):
            kinds[(experiment, run_kind(r.get("config", {}).get("label", "?")))].append(r)
    rows = []
    for (experiment, kind), runs in kinds.items():
        walls = [r.get("wall_time_s") or 0.0 for r in runs]
        compute = sum(_round_seconds(rec) for r in runs for rec in r.get("records") or [] if isinstance(rec, dict))
        rows.append({"stage": experiment, "kind": kind, "runs": len(runs), "total_s": sum(walls),
                     "median_s": statistics.median(walls), "rounds_share": compute / sum(walls) if sum(walls) else None})
    rows.sort(key=lambda r: -r["total_s"])
    if len(rows) > top:
        rest = rows[top:]
        rows = [*rows[:top], {"stage": "", "kind": f"{len(rest)} other kinds", "runs": sum(r["runs"] for r in rest),
                              "total_s": sum(r["total_s"] for r in rest), "median_s": None, "rounds_share": None}]
    return rows


def _round_seconds(record: dict) -> float:
    """A round record's local work (per worker, or already summed) and aggregation, in seconds."""
    compute = record.get("compute_s") or 0.0
    return float(sum(compute) if isinstance(compute, list) else compute) + float(record.get("aggregate_s") or 0.0)


def split_profile(stats: pstats.Stats) -> dict[str, float]:
    """Seconds per bucket of one profiled run (see ``BUCKETS``); Algorithm 1 is the federated rounds' time
    less their forward + backward and encoding, and 'rest' what no bucket holds."""
    cum: dict[tuple[str, str], float] = defaultdict(float)
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        cum[(file.replace("\\", "/"), func)] += ct

    def seconds(suffix: str, func: str) -> float:
        return sum(v for (f, fn), v in cum.items() if fn == func and f.endswith(suffix))

    out: dict[str, float] = defaultdict(float)
    for bucket, suffix, func in BUCKETS:
        out[bucket] += seconds(suffix, func)
    rounds = seconds(*ROUND)
    total = stats.total_tt
    if rounds:
        inside = seconds("fedad/federated/worker.py", "gradient") + out["encoding + decoding"]
        # capped by what the other buckets leave of the total: cumulative times (a round's) can exceed the
        # sum of own times they stand on by a few per cent (seen with four test workers on two cores)
        left = total - sum(out.values())
        out["Algorithm 1 (compress, aggregate, broadcast)"] = max(0.0, min(rounds - inside, left))
    out["total"] = total
    out["rest"] = max(0.0, out["total"] - sum(v for k, v in out.items() if k != "total"))
    return dict(out)


def representative_runs(profile: str) -> dict[str, dict]:
    """One run per stage: the experiment's first run of the kind that dominates it."""
    from fedad.experiments import comm, compressors, detect, tune_rho, ucr
    from fedad.experiments.common import load_config

    picks = {}
    runs, _ = tune_rho.expand(load_config("tune_rho", profile))
    picks["tune_rho"] = (tune_rho, next(r for r in runs if r["dataset"] == "mnist"))
    runs = detect.expand(load_config("detect", profile))
    picks["detect"] = (detect, next(r for r in runs if r["model"] == "amcnn_lstm" and r["variant"] == "federated_gcm"))
    picks["comm"] = (comm, comm.expand(load_config("comm", profile))[0])
    picks["compressors"] = (compressors, compressors.expand(load_config("compressors", profile))[0])
    ucr_runs = ucr.expand(load_config("ucr", profile))
    picks["ucr"] = (ucr, next((r for r in ucr_runs if r["training"] == "federated"), ucr_runs[0]))
    return picks


def inside_rows(profile: str, scratch: Path) -> list[dict]:
    """Profile one representative run per stage on one intra-op thread, with the serial engine."""
    import os

    import torch

    from fedad.results import ResultStore

    torch.set_num_threads(1)
    from fedad import settings

    os.environ[settings.ENGINE] = "serial"
    rows = []
    for stage, (module, run) in representative_runs(profile).items():
        profiler = cProfile.Profile()
        profiler.enable()
        module.run_one(run, ResultStore(stage, scratch), False)
        profiler.disable()
        rows.append({"stage": stage, "run": run["label"], **split_profile(pstats.Stats(profiler))})
    return rows


def import_seconds(module: str, repeats: int = 3) -> float:
    """Median wall time of a fresh interpreter that imports ``module`` (what each job pays to start)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numba_first_call_seconds(cached: bool) -> float | None:
    """Extra seconds of the first matrix profile in a fresh interpreter over the second: numba compiling
    stumpy, or with ``cached`` (fedad's discord, :mod:`fedad.models.discord`) loading it from numba's cache."""
    call = ("from fedad.models.discord import discord_scores as f\nrun = lambda: f(x[:1000], x, 50)" if cached else
            "import stumpy\nrun = lambda: stumpy.stump(x, 50, x[:1000], ignore_trivial=False)")
    code = (f"import time, numpy as np\nx = np.random.default_rng(0).random(2000)\n{call}\n"
            "t = time.perf_counter()\nrun()\na = time.perf_counter() - t\nt = time.perf_counter()\nrun()\n"
            "print(a - (time.perf_counter() - t))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return float(out.stdout) if out.returncode == 0 and out.stdout.strip() else None


def _s(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f} s"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.0f} %"


def markdown(profile: str, stages: list[dict], kinds: list[dict], inside: list[dict] | None,
             start_up: dict[str, float | None] | None) -> str:
    lines = [f"# Where the {profile} profile spends its time", "", "## Per stage", "",
             ("Busy: the runs' summed wall time ÷ (the stage's wall time × its jobs); below 100 % the cores waited "
             "(start-up, data loading before the first run, the last run alone)."), "",
             "| stage | runs | stage wall | runs' summed wall | busy |", "|---|---|---|---|---|"]
    lines += [f"| {r['stage']} | {r['runs']} | {_s(r['wall_s'])} | {_s(r['run_s'])} | {_pct(r['busy'])} |"
              for r in stages]
    lines += ["", "## The run kinds that cost most", "",
              ("In rounds: the share of a run's wall time inside federated rounds' local work and aggregation "
              "(summed over workers; above 100 % where the threads engine overlaps them)."), "",
              "| stage | kind | runs | total | median | in rounds |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['stage']} | {r['kind']} | {r['runs']} | {_s(r['total_s'])} | {_s(r['median_s'])} | "
              f"{_pct(r['rounds_share'])} |" for r in kinds]
    if inside:
        buckets = [b for b in dict.fromkeys(k for r in inside for k in r) if b not in ("stage", "run", "total")]
        lines += ["", "## Inside one run of each stage (one core, serial engine, cProfile)", "",
                  "| stage | run | total | " + " | ".join(buckets) + " |", "|---" * (3 + len(buckets)) + "|"]
        for r in inside:
            cells = [f"{100 * r.get(b, 0.0) / r['total']:.0f} %" if r["total"] else "—" for b in buckets]
            lines.append(f"| {r['stage']} | {r['run']} | {_s(r['total'])} | " + " | ".join(cells) + " |")
    if start_up:
        lines += ["", "## Paid once per process", "", "| what | seconds |", "|---|---|"]
        lines += [f"| {k} | {_s(v)} |" for k, v in start_up.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(prog="fedad profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=PROFILES, default="quick", help="which profile's results (default quick)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="results folder (default: results/)")
    parser.add_argument("--inside", action="store_true",
                        help="also profile one run per stage with cProfile and time imports and numba (minutes)")
    parser.add_argument("--out", type=Path, default=None, help="the markdown file (default: <results>/profile.md)")
    args = parser.parse_args(argv)
    stages, kinds = stage_rows(args.results, args.profile), kind_rows(args.results, args.profile)
    if not stages and not args.inside:
        raise FileNotFoundError(f"no {args.profile} results under {args.results}: run `make reproduce` first "
                                "(PROFILE=... for another profile), or pass --inside")
    inside = start_up = None
    if args.inside:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            inside = inside_rows(args.profile, Path(scratch))
        start_up = {"a fresh interpreter importing fedad.experiments.detect": import_seconds("fedad.experiments.detect"),
                    "numba compiling stumpy's matrix profile (first call less second)": numba_first_call_seconds(False),
                    "the same through fedad's discord, from numba's on-disk cache": numba_first_call_seconds(True)}
    out = args.out or args.results / "profile.md"
    from fedad.results import atomic_write_bytes

    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, markdown(args.profile, stages, kinds, inside, start_up).encode())
    print(out.read_text())
    return out


if __name__ == "__main__":
    main()
