"""Engine benchmarks, as ratios measured in one run (``make bench``).

1. per-round time of the reference per-worker loop vs the batched (vmap) path;
2. compression (clip + memory + top-k + encode + decode) as a share of a worker's step;
3. federation overhead: a federated round at ρ = 100 against computing the same workers' gradients
   with nothing around them;
4. 10 workers against 1 worker with the same total samples per round.
Targets from the issue: overhead ≤ 5 %, compression ≤ 5 % of step time, 10 workers ≤ 2× one worker.
Timings are medians of repeated rounds after warm-up, on this machine's CPU (or GPU when present).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import torch

from fedad.data import load_images, load_series
from fedad.detection import prepare_series
from fedad.federated.config import FederatedConfig
from fedad.federated.loop import FederatedTrainer
from fedad.models import build_model
from fedad.results import RESULTS_DIR, atomic_write_json, environment_info
from fedad.training.tasks import ClassificationTask


def _median_round_s(trainer: FederatedTrainer, rounds: int, warmup: int = 3) -> float:
    times = []
    for r in range(warmup + rounds):
        start = time.perf_counter()
        trainer.run_round(r)
        if r >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _median_grads_s(trainer: FederatedTrainer, rounds: int, warmup: int = 3) -> float:
    times = []
    for r in range(warmup + rounds):
        start = time.perf_counter()
        for w in trainer.workers:
            w.gradient(*w.next_batch())
        if r >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pack_share(trainer: FederatedTrainer, repeats: int) -> tuple[float, float]:
    w = trainer.workers[0]
    grads, packs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        g, _ = w.gradient(*w.next_batch())
        grads.append(time.perf_counter() - start)
        start = time.perf_counter()
        w.pack(g)
        packs.append(time.perf_counter() - start)
    return statistics.median(grads), statistics.median(packs)


def bench_case(name: str, task, model_fn, batch: int, rounds: int) -> dict:
    def trainer(**kw):
        base = {"rounds": 10**6, "batch_size": batch, "lr": 0.01, "rho": 0.3, "engine": "loop"}
        return FederatedTrainer(task, model_fn, FederatedConfig(**{**base, **kw}), seed=0)

    loop_s = _median_round_s(trainer(), rounds)
    vmap_s = _median_round_s(trainer(engine="vmap"), rounds)
    dense = trainer(rho=100.0)
    dense_round_s = _median_round_s(dense, rounds)
    bare_grads_s = _median_grads_s(trainer(rho=100.0), rounds)
    one_worker_s = _median_round_s(trainer(n_workers=1, batch_size=batch * 10, rho=100.0), rounds)
    step_s, pack_s = _pack_share(trainer(), 5 * rounds)
    return {
        "case": name, "batch_per_worker": batch, "n_params": dense.n_params,
        "round_loop_s": loop_s, "round_vmap_s": vmap_s, "vmap_over_loop": vmap_s / loop_s,
        "compression_share_of_step": pack_s / (step_s + pack_s),
        "federation_overhead": dense_round_s / bare_grads_s - 1.0,
        "ten_over_one_worker": dense_round_s / one_worker_s,
    }


def backend_seconds(results: Path) -> list[dict]:
    """Seconds per round of each installed remote back-end against in-process (2 rounds, MNIST slice)."""
    import importlib.util

    from reproduce import backends

    out = []
    for name, module in (("syft", "syft_rds"), ("flower-sim", "flwr")):
        if importlib.util.find_spec(module) is None:
            print(f"{name}: not installed, skipped")
            continue
        row = backends.main([name, "--rounds", "2", "--workers", "3", "--results", str(results)])
        out.append({k: row[k] for k in ("backend", "workers", "seconds_per_round", "inprocess_seconds_per_round")})
    for row in out:
        print(f"{row['backend']:12s} {row['workers']} workers: {row['seconds_per_round']:.2f} s/round "
              f"(in-process {row['inprocess_seconds_per_round']:.3f} s/round)")
    return out


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per measurement (median taken)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "bench.json", help="where to write the numbers")
    parser.add_argument("--no-backends", action="store_true",
                        help="skip the seconds-per-round of the syft and Flower back-ends (run when installed)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*batching rule.*")
    mnist = load_images("mnist")
    mnist_task = ClassificationTask(mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test)
    prep = prepare_series(load_series("power_demand"), 64, 4)
    series_task = prep.task()
    cases = [
        ("simple_cnn / MNIST", mnist_task, lambda: build_model("simple_cnn"), 32),
        ("simple_cnn / MNIST", mnist_task, lambda: build_model("simple_cnn"), 128),
        ("amcnn_lstm / power demand", series_task, lambda: build_model("amcnn_lstm", dims=1, horizon=4, window=64), 32),
    ]
    rows = [bench_case(n, t, f, b, args.rounds) for n, t, f, b in cases]
    header = f"{'case':28s} {'B':>4s} {'loop s':>8s} {'vmap s':>8s} {'vmap/loop':>9s} {'compress':>9s} " \
             f"{'overhead':>9s} {'10w/1w':>7s}"
    print(header)
    for r in rows:
        print(f"{r['case']:28s} {r['batch_per_worker']:4d} {r['round_loop_s']:8.4f} {r['round_vmap_s']:8.4f} "
              f"{r['vmap_over_loop']:9.2f} {r['compression_share_of_step']:9.1%} {r['federation_overhead']:9.1%} "
              f"{r['ten_over_one_worker']:7.2f}")
    print("targets: compression <= 5 % of step, overhead <= 5 %, 10 workers <= 2x one worker")
    backends = [] if args.no_backends else backend_seconds(args.out.parent)
    atomic_write_json(args.out, {"environment": environment_info(), "threads": torch.get_num_threads(), "rows": rows,
                                 "backends": backends})
    print(f"wrote {args.out}")
    return args.out


if __name__ == "__main__":
    main()
