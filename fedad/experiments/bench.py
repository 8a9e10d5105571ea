"""Engine benchmarks as ratios measured in one run (``make bench``): medians of interleaved repeats,
with their spread, written to ``results/bench.json``. A script, never a test: timings are noisy.

1. Federation overhead: a round's wall time over the pure forward + backward of the same batches
   (goal ≤ 5 %), for AMCNN-LSTM on power demand (window of the detection protocol) and the MNIST CNN,
   N = 10, B = 32, per CPU engine (``loop``, ``threads``, ``processes``).
2. Compression share: clip + memory + top-k + encode (the workers' pack: one stacked pass for all of
   them, with its check that every update is finite), decode + aggregate, and applying the broadcast,
   as a share of a round (goal ≤ 5 %).
3. Throughput: epoch time of every model of Figs. 5–6 at the new windows, centralised and federated;
   the federated AMCNN-LSTM epoch against the code before this change (run from git in a subprocess on
   the same windows and seeds), per engine, eager and with compiled replicas, with the weights compared
   after a few rounds. Each interleaved repeat starts new processes on both sides.
4. Peers: seconds per round of the in-process loop and of Flower's simulation engine, same model and
   partition (goal: in-process ≥ 3× faster).
"""

from __future__ import annotations

import argparse
import json
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
from fedad.federated.backends.inprocess import InProcessBackend
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.models import build_model
from fedad.results import RESULTS_DIR, atomic_write_json, environment_info
from fedad.training.tasks import ClassificationTask

BASELINE_COMMIT = "84acedd"  # the landed code before the performance issue
ENGINES = ("loop", "threads", "processes")  # the CPU engines compared (vmap is the GPU's)
# the epoch against the baseline also times each engine with compiled replicas (FederatedConfig.compile)
VARIANTS = {**{e: (e, False) for e in ENGINES}, **{f"{e}_compiled": (e, True) for e in ENGINES}}


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "repeats": len(values)}


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Probe:
    """Times the parts of a round by wrapping the trainer's pieces (no change to what they compute)."""

    def __init__(self, trainer: FederatedTrainer):
        self.pack = 0.0
        self.broadcast = 0.0
        for w in trainer.workers:
            original = w.pack

            def pack(update, _original=original):
                start = time.perf_counter()
                out = _original(update)
                self.pack += time.perf_counter() - start
                return out

            w.pack = pack
        backend = trainer.backend
        original_stacked = backend._pack_stacked  # the stacked pack (with its finiteness check) replaces w.pack

        def pack_stacked(*args):
            start = time.perf_counter()
            out = original_stacked(*args)
            self.pack += time.perf_counter() - start
            return out

        backend._pack_stacked = pack_stacked
        original_broadcast = backend.broadcast

        def broadcast(workers, message):
            start = time.perf_counter()
            original_broadcast(workers, message)
            self.broadcast += time.perf_counter() - start

        backend.broadcast = broadcast


PER_WORKER = "loop_per_worker_pack"  # the loop with each worker packing its own update (before the stacked pack)


def workload(name: str, task, model_fn, batch: int, engines: tuple[str, ...], rounds: int, repeats: int) -> dict:
    """Goals 1 and 2 for one workload: interleaved repeats of bare compute and of a round per engine, and
    of the loop with the per-worker pack, so that the stacked pack's gain is measured in the same run."""
    def trainer(engine: str, stacked: bool = True) -> FederatedTrainer:
        cfg = FederatedConfig(n_workers=10, batch_size=batch, lr=0.01, rho=0.3, rounds=10**6, engine=engine,
                              clip_norm=10.0)
        return FederatedTrainer(task, model_fn, cfg, seed=0, device="cpu",
                                backend=InProcessBackend(cfg, torch.device("cpu"), stacked=stacked))

    bare = trainer("loop")
    fed = {**{e: trainer(e) for e in engines}, PER_WORKER: trainer("loop", stacked=False)}
    probes = {e: Probe(fed[e]) for e in ("loop", PER_WORKER)}  # read on the loop: other engines pack elsewhere
    aggregate = dict.fromkeys(fed, 0.0)

    def rounds_of(engine: str) -> None:
        for _ in range(rounds):
            aggregate[engine] += fed[engine].run_round(0)["aggregate_s"]

    for e in fed:  # warm-up
        rounds_of(e)
    _bare_round(bare)
    samples: dict[str, list[float]] = {"compute": [], **{f"round_{e}": [] for e in fed},
                                       **{f"compression_{e}": [] for e in probes}}
    for _ in range(repeats):
        samples["compute"].append(_timed(lambda: [_bare_round(bare) for _ in range(rounds)]) / rounds)
        for e in fed:
            probe = probes.get(e)
            before = (probe.pack, probe.broadcast, aggregate[e]) if probe else None
            took = _timed(lambda e=e: rounds_of(e)) / rounds
            samples[f"round_{e}"].append(took)
            if probe:
                comp = (probe.pack - before[0]) + (probe.broadcast - before[1]) + (aggregate[e] - before[2])
                samples[f"compression_{e}"].append(comp / rounds / took)
    for t in fed.values():
        t.backend.close()
    compute = spread(samples["compute"])
    out = {"workload": name, "batch_per_worker": batch, "workers": 10, "rounds_per_repeat": rounds,
           "n_params": bare.n_params, "compute_s": compute,
           "compression_share": spread(samples["compression_loop"]),
           f"compression_share_{PER_WORKER}": spread(samples[f"compression_{PER_WORKER}"])}
    for e in fed:
        r = samples[f"round_{e}"]
        out[f"round_{e}_s"] = spread(r)
        out[f"overhead_{e}"] = spread([x / c - 1 for x, c in zip(r, samples["compute"], strict=True)])
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
import sys, time, torch
torch.set_num_threads(2)
from fedad.federated.config import FederatedConfig
from fedad.federated.loop import FederatedTrainer
from fedad.federated.flat import flat_params
from fedad.models import build_model
data = torch.load(sys.argv[1])
class Task:
    def __init__(self, x, y):
        self.x_train, self.y_train = x, y
        self.train_labels = None
    def loss(self, out, y):
        return torch.nn.functional.mse_loss(out, y)
    def evaluate(self, model):
        return {}
task = Task(data["x"], data["y"])
cfg = FederatedConfig(n_workers=10, batch_size=16, lr=0.01, rounds=10**6, engine="loop")
tr = FederatedTrainer(task, lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=data["window"]), cfg, seed=0,
                      device="cpu")
check = int(sys.argv[3])
for r in range(check):
    tr.run_round(r)
torch.save({"weights": flat_params(tr.aggregator.model).clone(), "rounds_per_epoch": len(task.x_train) / 160},
           sys.argv[2])
print("ready", flush=True)
for line in sys.stdin:  # each line: time that many rounds, answer the seconds per round
    rounds = int(line)
    start = time.perf_counter()
    for r in range(rounds):
        tr.run_round(check + r)
    print((time.perf_counter() - start) / rounds, flush=True)
"""


def baseline(prep, repeats: int, rounds: int, check_rounds: int = 3) -> dict:
    """The federated AMCNN-LSTM epoch of the code at ``BASELINE_COMMIT`` against today's engines, same
    windows and seeds, in interleaved repeats; the weights after ``check_rounds`` rounds must match.

    Every repeat starts new processes, for the old code (a subprocess) and for each variant (a new
    trainer, with new worker processes): the same compiled step ran 7.3–9.4 ms in six processes started
    one after another, steady within each, so one process per side for all repeats made the ratio a draw
    of two processes' luck (the old code's epoch took 2.87, 2.98 and 3.45 s in three such runs while
    today's took 1.52–1.55 s)."""
    root = REPO_ROOT
    work = Path(tempfile.mkdtemp(prefix="fedad-baseline-"))
    archive = subprocess.run(["git", "-C", str(root), "archive", BASELINE_COMMIT, "fedad"], capture_output=True,
                             check=False)
    if archive.returncode != 0:
        return {"skipped": f"git archive {BASELINE_COMMIT} failed: {archive.stderr.decode().strip()[:200]}"}
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive.stdout, check=True)
    task = prep.task()
    torch.save({"x": task.x_train, "y": task.y_train, "window": prep.window}, work / "task.pt")
    (work / "run.py").write_text(BASELINE_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(work))
    result: dict = {"commit": BASELINE_COMMIT}
    times: dict[str, list[float]] = {"baseline": [], **{name: [] for name in VARIANTS}}
    diffs: dict[str, list[float]] = {name: [] for name in VARIANTS}
    first_rounds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in tqdm(range(repeats), desc="baseline repeats", leave=False):
        old_proc = subprocess.Popen([sys.executable, str(work / "run.py"), str(work / "task.pt"),
                                     str(work / "out.pt"), str(check_rounds)], env=env, cwd=work,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            if old_proc.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the {BASELINE_COMMIT} subprocess failed (exit code {old_proc.wait()})")
            old = torch.load(work / "out.pt")
            old_proc.stdin.write(f"{rounds}\n")
            old_proc.stdin.flush()
            times["baseline"].append(float(old_proc.stdout.readline()) * old["rounds_per_epoch"])
        finally:
            old_proc.stdin.close()
            old_proc.wait()
        for name, (engine, compiled) in VARIANTS.items():
            cfg = FederatedConfig(n_workers=10, batch_size=16, lr=0.01, rounds=10**6, engine=engine, compile=compiled)
            tr = FederatedTrainer(task, lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=prep.window),
                                  cfg, seed=0, device="cpu")
            try:
                # the first rounds of a compiled variant compile (in each new worker process)
                first_rounds[name].append(_timed(lambda tr=tr: [tr.run_round(r) for r in range(check_rounds)]))
                diffs[name].append(float((flat_params(tr.aggregator.model) - old["weights"]).abs().max()))
                times[name].append(_timed(lambda tr=tr: [tr.run_round(0) for _ in range(rounds)]) / rounds
                                   * tr.rounds_per_epoch)
            finally:
                tr.backend.close()
    result["baseline_epoch_s"] = spread(times["baseline"])
    for name in VARIANTS:
        result[f"{name}_first_rounds_s"] = spread(first_rounds[name])
        result[f"{name}_max_weight_difference_after_{check_rounds}_rounds"] = max(diffs[name])
        result[f"{name}_epoch_s"] = spread(times[name])
        # the ratio of each repeat to the old code's repeat just before it: median, min and max
        result[f"speedup_{name}"] = spread([b / t for b, t in zip(times["baseline"], times[name], strict=True)])
    result["interleaved_repeats"] = repeats
    result["new_processes_each_repeat"] = True
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


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats per measurement (default 7)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds (or steps) timed per repeat (default 8)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "bench.json", help="where to write the numbers")
    parser.add_argument("--skip", nargs="*", default=[], choices=["overhead", "epochs", "baseline", "peers"],
                        help="parts to leave out")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.rounds < 1:
        parser.error("--repeats and --rounds must be >= 1")
    warnings.filterwarnings("ignore", message=".*batching rule.*")
    start = time.perf_counter()
    prep = prepare_series(protocol_for("power_demand"), 4)
    out: dict = {"environment": environment_info(), "torch_threads": torch.get_num_threads(),
                 "goals": {"overhead": 0.05, "compression_share": 0.05, "federated_amcnn_epoch_speedup": 2.0,
                           "inprocess_over_flower_sim": 3.0}}
    if "overhead" not in args.skip:
        mnist = load_images("mnist")
        cases = [(f"AMCNN-LSTM / power demand (window {prep.window})", prep.task(),
                  lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=prep.window)),
                 ("simple CNN / MNIST", ClassificationTask(mnist.x_train, mnist.y_train, mnist.x_test[:1000],
                                                            mnist.y_test[:1000]), lambda: build_model("simple_cnn"))]
        out["workloads"] = [workload(n, t, f, 32, ENGINES, args.rounds, args.repeats) for n, t, f in cases]
        shown = (*ENGINES, PER_WORKER)
        print(f"{'workload':40s} {'compute':>9s} " + " ".join(f"{e[:9]:>9s}" for e in shown) + " "
              + " ".join(f"{'overhead ' + e[:4]:>14s}" for e in shown) + f" {'compression':>12s} {'per-worker':>11s}")
        for w in out["workloads"]:
            print(f"{w['workload']:40s} {w['compute_s']['median']*1e3:7.1f}ms "
                  + " ".join(f"{w[f'round_{e}_s']['median']*1e3:7.1f}ms" for e in shown) + " "
                  + " ".join(f"{w[f'overhead_{e}']['median']:13.1%}" for e in shown)
                  + f" {w['compression_share']['median']:11.1%} {w[f'compression_share_{PER_WORKER}']['median']:10.1%}")
    if "epochs" not in args.skip:
        print("epoch times, power demand:")
        out["epochs"] = epoch_times(prep, max(3, args.repeats // 2), args.rounds)
    if "baseline" not in args.skip:
        out["baseline"] = baseline(prep, args.repeats, args.rounds)
        b = out["baseline"]
        if "skipped" not in b:
            print(f"federated AMCNN-LSTM epoch: {BASELINE_COMMIT} {b['baseline_epoch_s']['median']:.2f} s, now:")
            for name in VARIANTS:
                print(f"  {name:20s} {b[f'{name}_epoch_s']['median']:.2f} s  ×{b[f'speedup_{name}']['median']:.2f} "
                      f"[{b[f'speedup_{name}']['min']:.2f}–{b[f'speedup_{name}']['max']:.2f}]  weights after 3 rounds "
                      f"differ by {b[f'{name}_max_weight_difference_after_3_rounds']:.1e}")
    if "peers" not in args.skip:
        out["peers"] = peers(args.repeats, max(3, args.rounds))
        p = out["peers"]
        if "skipped" not in p:
            print(f"peers: in-process {p['inprocess_s_per_round']:.3f} s/round, Flower simulation "
                  f"{p['flower_sim_s_per_round']:.3f} s/round: in-process ×{p['inprocess_speedup']:.1f}")
    out["gpu"] = {"skipped": "no GPU on this machine"} if not torch.cuda.is_available() else {
        "device": torch.cuda.get_device_name(0)}
    out["wall_time_s"] = time.perf_counter() - start
    atomic_write_json(args.out, out)
    print(json.dumps(out["goals"]), f"\nwrote {args.out}")
    return args.out


if __name__ == "__main__":
    main()
