"""The same federated run on each back-end: in-process, syft 0.10 datasites, Flower simulation, and a
Flower deployment on loopback; each against the in-process run of the same seed, with seconds per round.

    python -m reproduce.backends syft            # make syft-demo   (1 aggregator + 3 datasites)
    python -m reproduce.backends flower-sim      # make flower-sim  (N = 10 in Flower's simulation engine)
    python -m reproduce.backends flower-deploy   # make flower-deploy (superlink + N supernodes on 127.0.0.1)

Data: a slice of the real MNIST set in the data directory; model: the simple CNN of Fig. 4.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fedad.data import load_images
from fedad.deployment.flower_modes import MODES
from fedad.deployment.remote_worker import build_model_from_spec
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.results import RESULTS_DIR, atomic_write_json, environment_info
from fedad.training.tasks import ClassificationTask

SPEC = {"name": "simple_cnn", "kwargs": {}}


def _task(train: int, test: int) -> ClassificationTask:
    data = load_images("mnist")
    return ClassificationTask(data.x_train[:train], data.y_train[:train], data.x_test[:test], data.y_test[:test],
                              name="mnist")


def _trainer(task, config, seed, backend=None) -> FederatedTrainer:
    return FederatedTrainer(task, lambda: build_model_from_spec(SPEC), config, seed=seed, backend=backend)


def compare(name: str, args: argparse.Namespace) -> dict:
    task = _task(args.train_samples, args.test_samples)
    config = FederatedConfig(n_workers=args.workers, rounds=args.rounds, batch_size=32, lr=0.05, rho=args.rho,
                             engine="serial")
    start = time.perf_counter()
    reference = _trainer(task, config, args.seed)
    reference.run(progress=False)
    inprocess_s = (time.perf_counter() - start) / args.rounds
    work = Path(tempfile.mkdtemp(prefix=f"fedad-{name}-"))
    start = time.perf_counter()
    if name == "syft":
        from fedad.deployment.syft_backend import SyftBackend

        backend = SyftBackend(SPEC, "classification", work)
        remote = _trainer(task, config, args.seed, backend)
        remote.run(progress=False)
    else:
        from fedad.deployment.flower_backend import FlowerBackend
        from fedad.deployment.flower_server import run_simulation

        backend = FlowerBackend(SPEC, "classification", work)
        remote = _trainer(task, config, args.seed, backend)
        run_simulation(remote)
    total_s = time.perf_counter() - start
    diff = float((flat_params(remote.aggregator.model) - flat_params(reference.aggregator.model)).abs().max())
    return {"backend": name, "workers": args.workers, "rounds": args.rounds, "rho": args.rho,
            "seconds_per_round": sum(backend.round_seconds) / len(backend.round_seconds),
            "inprocess_seconds_per_round": inprocess_s, "total_s_including_startup": total_s,
            "max_abs_weight_difference_vs_inprocess": diff, "accuracy": remote.result.final["accuracy"],
            "inprocess_accuracy": reference.result.final["accuracy"]}


def deploy(args: argparse.Namespace) -> dict:
    from fedad.deployment.flower_deploy import run_deployment

    out = run_deployment(args.workers, args.rounds, args.rho, args.train_samples, mode=args.mode)
    steady = out["round_seconds"][1:] or out["round_seconds"]
    return {"backend": "flower-deploy", "mode": args.mode, "workers": args.workers, "rounds": args.rounds,
            "rho": args.rho, "seconds_per_round": sum(out["round_seconds"]) / len(out["round_seconds"]),
            "median_seconds_per_round_after_the_first": statistics.median(steady),
            "total_s_including_startup": out["deployment_wall_s"], "accuracy": out["final"]["accuracy"]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", choices=("syft", "flower-sim", "flower-deploy"), help="which back-end to run")
    parser.add_argument("--workers", type=int, default=None,
                        help="workers (default: 10 for flower-sim; 3 for syft and flower-deploy, whose workers are "
                             "separate processes)")
    parser.add_argument("--rounds", type=int, default=3, help="federated rounds")
    parser.add_argument("--rho", type=float, default=0.3, help="top-k percentage sent (100 = dense)")
    parser.add_argument("--train-samples", type=int, default=2000, help="MNIST training samples split across workers")
    parser.add_argument("--test-samples", type=int, default=1000, help="MNIST test samples for the evaluation")
    parser.add_argument("--seed", type=int, default=0, help="seed of both runs")
    parser.add_argument("--mode", choices=MODES, default="long-lived",
                        help="flower-deploy only: long-lived fedad workers per SuperNode (default) or subprocess "
                             "(Flower's per-message ClientApp imports torch and does the job)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="results folder (default: results/)")
    args = parser.parse_args(argv)
    if args.workers is None:
        args.workers = 10 if args.backend == "flower-sim" else 3
    out = deploy(args) if args.backend == "flower-deploy" else compare(args.backend.split("-")[0], args)
    out["backend"] = args.backend
    out["environment"] = environment_info()
    atomic_write_json(args.results / "backends" / f"{args.backend}.json", out)
    for key, value in out.items():
        if key != "environment":
            print(f"{key:42s} {value}")
    return out


if __name__ == "__main__":
    main()
