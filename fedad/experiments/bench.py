"""Engine benchmarks as ratios measured in one run (``make bench``): medians of interleaved repeats,
with their spread, written to ``results/bench.json``. A script, never a test: timings are noisy.

1. Federation overhead: a round's wall time over the pure forward + backward of the same batches
   (goal ≤ 5 %), for AMCNN-LSTM on power demand (window of the detection protocol) and the MNIST CNN,
   N = 10, B = 32, per CPU engine (``serial``, ``threads``, ``processes``).
2. Compression share: Algorithm 1 (one pass for all workers: finiteness check, memory, clip, top-k,
   encode), decode + aggregate, and applying the broadcast, as a share of a round (goal ≤ 5 %).
3. Throughput: epoch time of every model of Figs. 5–6 at the detection windows, centralised and
   federated; the federated AMCNN-LSTM epoch against the code at ``--baseline`` (run from git in a
   subprocess on the same windows and seeds), per engine, eager and with compiled replicas, with the
   weights compared after a few rounds. Each interleaved repeat starts new processes on both sides.
4. Peers: seconds per round of the in-process loop and of Flower's simulation engine, same model and
   partition (goal: in-process ≥ 3× faster).

Every part is timed through public calls (the trainer's rounds, the back-end's Algorithm 1 and
broadcast). ``results/bench.json`` holds every figure with its spread; ``results/bench.md`` is the table
that ``reproduce/README.md`` shows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
from tqdm.auto import tqdm

from fedad.data import load_images
from fedad.data.datadir import REPO_ROOT
from fedad.data.protocol import protocol_for
from fedad.detection import prepare_series
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.models import build_model
from fedad.results import RESULTS_DIR, atomic_write_json, atomic_write_text, environment_info
from fedad.training.tasks import ClassificationTask

BASELINE_COMMIT = "34c7082"  # the landed code before Algorithm 1 was written once (issue 27)
ENGINES = ("serial", "threads", "processes")  # the CPU engines compared (vmap is the GPU's)
# the same engines under the names the baseline's code gives them
BASELINE_NAMES = {"serial": "loop", "threads": "threads", "processes": "processes"}
# the epoch against the baseline also times each engine with compiled replicas (FederatedConfig.compile)
VARIANTS = {**{e: (e, False) for e in ENGINES}, **{f"{e}_compiled": (e, True) for e in ENGINES}}


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "repeats": len(values)}


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Probe:
    """Times Algorithm 1 and the broadcast of a trainer's in-process back-end by wrapping those public
    calls (what they compute is unchanged)."""

    def __init__(self, trainer: FederatedTrainer):
        self.pack = 0.0
        self.broadcast = 0.0
        backend = trainer.backend
        original_pack, original_broadcast = backend.algorithm1.pack, backend.broadcast

        def pack(*args):
            start = time.perf_counter()
            out = original_pack(*args)
            self.pack += time.perf_counter() - start
            return out

        def broadcast(workers, message):
            start = time.perf_counter()
            original_broadcast(workers, message)
            self.broadcast += time.perf_counter() - start

        backend.algorithm1.pack, backend.broadcast = pack, broadcast


def workload(name: str, task, model_fn, batch: int, engines: tuple[str, ...], rounds: int, repeats: int) -> dict:
    """Goals 1 and 2 for one workload: interleaved repeats of bare compute and of a round per engine."""
    def trainer(engine: str) -> FederatedTrainer:
        cfg = FederatedConfig(n_workers=10, batch_size=batch, lr=0.01, rho=0.3, rounds=10**6, engine=engine,
                              clip_norm=10.0)
        return FederatedTrainer(task, model_fn, cfg, seed=0, device="cpu")

    bare = trainer("serial")
    fed = {e: trainer(e) for e in engines}
    probes = {e: Probe(t) for e, t in fed.items()}
    aggregate = dict.fromkeys(fed, 0.0)

    def rounds_of(engine: str) -> None:
        for _ in range(rounds):
            aggregate[engine] += fed[engine].run_round(0)["aggregate_s"]

    for e in fed:  # warm-up
        rounds_of(e)
    _bare_round(bare)
    samples: dict[str, list[float]] = {"compute": [], **{f"round_{e}": [] for e in fed},
                                       **{f"compression_{e}": [] for e in fed}}
    for _ in range(repeats):
        samples["compute"].append(_timed(lambda: [_bare_round(bare) for _ in range(rounds)]) / rounds)
        for e in fed:
            probe = probes[e]
            before = (probe.pack, probe.broadcast, aggregate[e])
            took = _timed(lambda e=e: rounds_of(e)) / rounds
            samples[f"round_{e}"].append(took)
            comp = (probe.pack - before[0]) + (probe.broadcast - before[1]) + (aggregate[e] - before[2])
            samples[f"compression_{e}"].append(comp / rounds / took)
    for t in (bare, *fed.values()):
        t.backend.close()
    compute = spread(samples["compute"])
    out = {"workload": name, "batch_per_worker": batch, "workers": 10, "rounds_per_repeat": rounds,
           "n_params": bare.n_params, "compute_s": compute}
    for e in fed:
        r = samples[f"round_{e}"]
        out[f"round_{e}_s"] = spread(r)
        out[f"overhead_{e}"] = spread([x / c - 1 for x, c in zip(r, samples["compute"], strict=True)])
        out[f"compression_share_{e}"] = spread(samples[f"compression_{e}"])
    return out


def _bare_round(trainer) -> None:
    """What a round must compute at least: each worker's forward + backward on its next batch."""
    for w in trainer.workers:
        w.gradient(*w.next_batch())


def epoch_times(prep, repeats: int, steps: int) -> list[dict]:
    """Seconds per epoch of every model of Figs. 5–6 on power demand: centralised and federated."""
    task = prep.task()
    n = len(task.x_train)
    rows = []
    for model in ("amcnn_lstm", "cnn_lstm", "lstm", "gru", "sae"):
        def build(model=model):
            return build_model(model, dims=1, horizon=4, window=prep.window)

        torch.manual_seed(0)
        central = build()
        opt = torch.optim.SGD(central.parameters(), lr=0.01, momentum=0.9)

        def central_steps(central=central, opt=opt):
            for _ in range(steps):
                idx = torch.randint(0, n, (160,))
                opt.zero_grad()
                task.loss(central(task.x_train[idx]), task.y_train[idx]).backward()
                opt.step()

        feds = {e: FederatedTrainer(task, build, FederatedConfig(n_workers=10, batch_size=16, lr=0.01, rounds=10**6,
                                                                 engine=e, clip_norm=10.0), seed=0, device="cpu")
                for e in ENGINES}
        central_steps()
        for t in feds.values():
            t.run_round(0)
        c, f = [], {e: [] for e in feds}
        for _ in range(repeats):
            c.append(_timed(central_steps) / steps * (n / 160))
            for e, t in feds.items():
                f[e].append(_timed(lambda t=t: [t.run_round(0) for _ in range(steps)]) / steps * t.rounds_per_epoch)
        for t in feds.values():
            t.backend.close()
        rows.append({"model": model, "window": prep.window, "fit_windows": n, "centralised_epoch_s": spread(c),
                     **{f"federated_{e}_epoch_s": spread(v) for e, v in f.items()}})
        print(f"  {model:11s} epoch: centralised {statistics.median(c):6.2f} s, federated "
              + ", ".join(f"{e} {statistics.median(v):6.2f} s" for e, v in f.items()), flush=True)
    return rows


BASELINE_SCRIPT = r"""
import sys, time, torch, warnings
warnings.filterwarnings("ignore")
from fedad.federated.config import FederatedConfig
from fedad.federated.loop import FederatedTrainer
from fedad.federated.flat import flat_params
from fedad.models import build_model


class Task:  # at module level: worker processes unpickle its loss
    def __init__(self, x, y):
        self.x_train, self.y_train = x, y
        self.train_labels = None
    def loss(self, out, y):
        return torch.nn.functional.mse_loss(out, y)
    def evaluate(self, model):
        return {}


def main():
    torch.set_num_threads(2)
    data = torch.load(sys.argv[1])
    task = Task(data["x"], data["y"])
    cfg = FederatedConfig(n_workers=10, batch_size=16, lr=0.01, rounds=10**6, engine=sys.argv[4],
                          compile=sys.argv[5] == "1")
    tr = FederatedTrainer(task, lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=data["window"]), cfg,
                          seed=0, device="cpu")
    check = int(sys.argv[3])
    for r in range(check):
        tr.run_round(r)
    torch.save({"weights": flat_params(tr.aggregator.model).clone(), "rounds_per_epoch": tr.rounds_per_epoch},
               sys.argv[2])
    print("ready", flush=True)
    for line in sys.stdin:  # each line: time that many rounds, answer the seconds per round
        rounds = int(line)
        start = time.perf_counter()
        for r in range(rounds):
            tr.run_round(check + r)
        print((time.perf_counter() - start) / rounds, flush=True)
    close = getattr(tr.backend, "close", None)
    if close is not None:
        close()


if __name__ == "__main__":  # worker processes are spawned: they import this file without running it
    main()
"""


def baseline(prep, repeats: int, rounds: int, commit: str = BASELINE_COMMIT, check_rounds: int = 3) -> dict:
    """The federated AMCNN-LSTM epoch of the code at ``commit`` against today's, per engine variant, same
    windows and seeds, in interleaved repeats; the weights after ``check_rounds`` rounds are compared.

    Every repeat starts new processes on both sides, the old code in a subprocess and today's in a new
    trainer (with new worker processes): a process's speed is a draw, steady within the process but not
    between processes, so one process per side would make the ratio a draw of two processes' luck."""
    work = Path(tempfile.mkdtemp(prefix="fedad-baseline-"))
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", commit, "fedad"], capture_output=True,
                             check=False)
    if archive.returncode != 0:
        return {"skipped": f"git archive {commit} failed: {archive.stderr.decode().strip()[:200]}"}
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive.stdout, check=True)
    task = prep.task()
    torch.save({"x": task.x_train, "y": task.y_train, "window": prep.window}, work / "task.pt")
    (work / "run.py").write_text(BASELINE_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(work))
    old_times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    new_times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    diffs: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in tqdm(range(repeats), desc="baseline repeats", leave=False):
        for name, (engine, compiled) in VARIANTS.items():
            old_proc = subprocess.Popen([sys.executable, str(work / "run.py"), str(work / "task.pt"),
                                         str(work / "out.pt"), str(check_rounds), BASELINE_NAMES[engine],
                                         "1" if compiled else "0"], env=env, cwd=work,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                if old_proc.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"the {commit} subprocess failed (exit code {old_proc.wait()})")
                old = torch.load(work / "out.pt")
                old_proc.stdin.write(f"{rounds}\n")
                old_proc.stdin.flush()
                old_times[name].append(float(old_proc.stdout.readline()) * old["rounds_per_epoch"])
            finally:
                old_proc.stdin.close()
                old_proc.wait()
            cfg = FederatedConfig(n_workers=10, batch_size=16, lr=0.01, rounds=10**6, engine=engine, compile=compiled)
            tr = FederatedTrainer(task, lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=prep.window),
                                  cfg, seed=0, device="cpu")
            try:
                for r in range(check_rounds):
                    tr.run_round(r)
                diffs[name].append(float((flat_params(tr.aggregator.model) - old["weights"]).abs().max()))
                new_times[name].append(_timed(lambda tr=tr: [tr.run_round(0) for _ in range(rounds)]) / rounds
                                       * tr.rounds_per_epoch)
            finally:
                tr.backend.close()
    result: dict = {"commit": commit, "interleaved_repeats": repeats, "new_processes_each_repeat": True}
    for name in VARIANTS:
        # old ÷ new per repeat (the old run just before): above 1 is faster today
        ratios = [b / t for b, t in zip(old_times[name], new_times[name], strict=True)]
        result[name] = {"old_epoch_s": spread(old_times[name]), "epoch_s": spread(new_times[name]),
                        "speedup": spread(ratios), "slower_beyond_spread": max(ratios) < 1.0,
                        f"max_weight_difference_after_{check_rounds}_rounds": max(diffs[name])}
    return result


def peers(repeats: int, rounds: int) -> dict:
    """In-process against Flower's simulation engine, same model (MNIST CNN), partition and seed."""
    import importlib.util

    if importlib.util.find_spec("flwr") is None:
        return {"skipped": "Flower is not installed (pip install -e '.[flower]')"}
    from fedad.experiments import backends

    row = backends.main(["flower-sim", "--rounds", str(rounds), "--workers", "10", "--results",
                         tempfile.mkdtemp(prefix="fedad-peers-")])
    return {"flower_sim_s_per_round": row["seconds_per_round"], "inprocess_s_per_round": row["inprocess_seconds_per_round"],
            "inprocess_speedup": row["seconds_per_round"] / row["inprocess_seconds_per_round"],
            "max_abs_weight_difference": row["max_abs_weight_difference_vs_inprocess"], "rounds": rounds}


def _ms(d: dict) -> str:
    return f"{d['median'] * 1e3:.1f} ms [{d['min'] * 1e3:.1f}–{d['max'] * 1e3:.1f}]"


def _pct(d: dict) -> str:
    return f"{d['median']:+.1%} [{d['min']:+.1%}–{d['max']:+.1%}]"


def markdown(out: dict) -> str:
    """The tables of ``results/bench.md``: every median with its min–max over the interleaved repeats."""
    lines = [(f"# `make bench` ({os.cpu_count()} CPU cores, torch "
             f"{out['environment'].get('torch', '?')}, {out['torch_threads']} intra-op threads; wall time "
             f"{out['wall_time_s'] / 60:.1f} min)"), ""]
    if "workloads" in out:
        lines += ["## A federated round (N = 10, B = 32 per worker, ρ = 0.3, momentum correction)", "",
                  ("Overhead: round ÷ the bare forward + backward of the same ten batches, one after another, − 1. "
                   "Algorithm 1 share: Algorithm 1 + aggregation + applying the broadcast, as a share of the round."),
                  "", "| workload | compute | engine | round | overhead | Algorithm 1 share |", "|---|---|---|---|---|---|"]
        for w in out["workloads"]:
            for e in ENGINES:
                lines.append(f"| {w['workload']} | {_ms(w['compute_s'])} | `{e}` | {_ms(w[f'round_{e}_s'])} | "
                             f"{_pct(w[f'overhead_{e}'])} | {w[f'compression_share_{e}']['median']:.1%} "
                             f"[{w[f'compression_share_{e}']['min']:.1%}–{w[f'compression_share_{e}']['max']:.1%}] |")
        lines.append("")
    if "epochs" in out:
        lines += ["## An epoch over power demand's fitting windows (centralised B = 160; federated 10 × 16)", "",
                  "| model | centralised | " + " | ".join(f"federated, `{e}`" for e in ENGINES) + " |",
                  "|---|---|" + "---|" * len(ENGINES)]
        for row in out["epochs"]:
            lines.append(f"| {row['model']} | {row['centralised_epoch_s']['median']:.2f} s | "
                         + " | ".join(f"{row[f'federated_{e}_epoch_s']['median']:.2f} s" for e in ENGINES) + " |")
        lines.append("")
    b = out.get("baseline", {})
    if b and "skipped" not in b:
        lines += [f"## The federated AMCNN-LSTM epoch against commit {b['commit']}", "",
                  (f"{b['interleaved_repeats']} interleaved repeats, new processes on both sides each time. Speed-up: "
                   "the old epoch ÷ today's, per repeat (above 1: faster today). \"slower beyond spread\": every "
                   "repeat's ratio is below 1."), "",
                  (f"| engine | {b['commit']} | today | speed-up | slower beyond spread | weights after 3 rounds, max "
                   "difference |"), "|---|---|---|---|---|---|"]
        for name in VARIANTS:
            v = b[name]
            lines.append(f"| `{name}` | {v['old_epoch_s']['median']:.2f} s | {v['epoch_s']['median']:.2f} s | "
                         f"×{v['speedup']['median']:.2f} [{v['speedup']['min']:.2f}–{v['speedup']['max']:.2f}] | "
                         f"{'yes' if v['slower_beyond_spread'] else 'no'} | "
                         f"{v['max_weight_difference_after_3_rounds']:.1e} |")
        lines.append("")
    elif b:
        lines += [f"Baseline: {b['skipped']}", ""]
    p = out.get("peers", {})
    if p and "skipped" not in p:
        lines += [(f"In-process runs a round ×{p['inprocess_speedup']:.1f} faster than Flower's simulation engine "
                   f"({p['inprocess_s_per_round']:.3f} against {p['flower_sim_s_per_round']:.3f} s, MNIST CNN, N = 10, "
                   f"weights within {p['max_abs_weight_difference']:.0e})."), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats per measurement (default 7)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds (or steps) timed per repeat (default 8)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "bench.json",
                        help="where to write the numbers (the tables go beside it, as .md)")
    parser.add_argument("--baseline", default=BASELINE_COMMIT,
                        help=f"the git commit whose federated epoch today's is compared with (default {BASELINE_COMMIT})")
    parser.add_argument("--skip", nargs="*", default=[], choices=["overhead", "epochs", "baseline", "peers"],
                        help="parts to leave out")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.rounds < 1:
        parser.error("--repeats and --rounds must be >= 1")
    warnings.filterwarnings("ignore", message=".*batching rule.*")
    start = time.perf_counter()
    prep = prepare_series(protocol_for("power_demand"), 4)
    out: dict = {"environment": environment_info(), "torch_threads": torch.get_num_threads(),
                 "goals": {"overhead": 0.05, "compression_share": 0.05, "no_engine_slower_than_baseline": True,
                           "inprocess_over_flower_sim": 3.0}}
    if "overhead" not in args.skip:
        mnist = load_images("mnist")
        cases = [(f"AMCNN-LSTM / power demand (window {prep.window})", prep.task(),
                  lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=prep.window)),
                 ("simple CNN / MNIST", ClassificationTask(mnist.x_train, mnist.y_train, mnist.x_test[:1000],
                                                            mnist.y_test[:1000]), lambda: build_model("simple_cnn"))]
        out["workloads"] = [workload(n, t, f, 32, ENGINES, args.rounds, args.repeats) for n, t, f in cases]
    if "epochs" not in args.skip:
        out["epochs"] = epoch_times(prep, max(3, args.repeats // 2), args.rounds)
    if "baseline" not in args.skip:
        out["baseline"] = baseline(prep, args.repeats, args.rounds, args.baseline)
    if "peers" not in args.skip:
        out["peers"] = peers(args.repeats, max(3, args.rounds))
    out["gpu"] = {"skipped": "no GPU on this machine"} if not torch.cuda.is_available() else {
        "device": torch.cuda.get_device_name(0)}
    out["wall_time_s"] = time.perf_counter() - start
    atomic_write_json(args.out, out)
    table = markdown(out)
    atomic_write_text(args.out.with_suffix(".md"), table + "\n")
    print(table, f"\nwrote {args.out} and {args.out.with_suffix('.md')}")
    return args.out


if __name__ == "__main__":
    main()
