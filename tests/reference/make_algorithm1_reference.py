"""Writes ``algorithm1_reference.json``: what the federated loop produced at commit 34c7082, before
Algorithm 1 was written once (its serial engine was then called ``loop``, the key of those runs). Kept to
show how the stored numbers were made; ``tests/test_algorithm1.py`` runs today's code through
:func:`run_case` and compares. Regenerating it from today's code would compare the code with itself:
run it only on a checkout of 34c7082 (``python -m tests.reference.make_algorithm1_reference``).

Sums are bit-for-bit only on one kind of CPU, so the file's ``machines`` list holds one set of ``loop``
runs per machine type; the first is the ``runs`` it was made with. Each set records the
:func:`cpu_fingerprint` of the machine it was made on, which is how ``tests/test_algorithm1.py`` picks it.
On a new machine type, run this script with ``--add-machine`` on a checkout of ee81146 (34c7082's code),
this version of the script copied in; the skip message of ``tests/test_algorithm1.py`` gives the command."""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
from pathlib import Path

import torch
from torch import nn

from fedad.federated.aggregator import CloudAggregator
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from tests.fl_helpers import blob_task, cfg, mlp

OUT = Path(__file__).with_name("algorithm1_reference.json")

# name -> FederatedConfig settings on top of tests.fl_helpers.cfg (4 workers, top-k ρ = 10 %, momentum)
CASES = {
    "topk_momentum": {},
    "topk_masking_clip_fp16": {"factor_masking": True, "clip_norm": 0.5, "value_format": "fp16"},
    "residual_clip_gradient": {"memory": "residual", "clip_norm": 0.5, "clip_at": "gradient"},
    "no_memory_rho1": {"memory": "none", "rho": 1.0, "value_format": "fp16"},
    "warmup": {"warmup_steps": 4, "rho": 1.0, "clip_norm": 1.0},
    "randomk": {"compressor": "randomk", "memory": "residual", "value_format": "fp16"},
    "qsgd": {"compressor": "qsgd", "memory": "residual"},
    "dense": {"compressor": "none", "memory": "none"},
    "fedavg": {"mode": "fedavg", "memory": "residual", "local_steps": 2},
    "two_way": {"downlink_rho": 10.0},
    "batchnorm_round_sync": {"buffer_sync": "round", "model": "bn"},
    "a_poisoned_sample": {"poison": True},
}
PARALLEL = {"threads": ["topk_momentum", "fedavg"], "processes": ["topk_momentum", "fedavg"],
            "vmap": ["topk_momentum", "batchnorm_round_sync"]}


def cpu_fingerprint() -> dict:
    """What decides a CPU's float32 sums bit for bit, as far as torch's CPU kernels go: the architecture,
    the instruction set torch dispatches its kernels to (``get_cpu_capability``: AVX2, AVX512, ...), the
    CPU's model name (MKL and oneDNN also choose code paths by vendor and model) and the torch build. Cheap
    and stable across runs; the thread count is not in it because the tests pin two threads."""
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"machine": platform.machine(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "model_name": model or platform.processor() or None, "torch": torch.__version__}


def bn_mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))


def run_case(name: str, engine: str, rounds: int = 6) -> dict:
    """One run of a case: the sha256 of every round's uploads and broadcast, and the final weights."""
    settings = dict(CASES[name])
    model = bn_mlp if settings.pop("model", None) == "bn" else mlp
    task = blob_task()
    if settings.pop("poison", False):  # samples with a NaN: whichever worker draws one is dropped that round
        task.x_train[::23, 3] = float("nan")
    config = cfg(engine=engine, rounds=rounds, **settings)
    digests: list[str] = []
    aggregate = CloudAggregator.aggregate

    def recording(self, messages, round_idx):
        broadcast, rejected = aggregate(self, messages, round_idx)
        h = hashlib.sha256()
        for m in messages:
            h.update(m.worker_id.encode() + m.payload)
        h.update(b"" if broadcast is None else broadcast.payload)
        digests.append(h.hexdigest())
        return broadcast, rejected

    CloudAggregator.aggregate = recording
    try:
        trainer = FederatedTrainer(task, model, config, seed=3, device="cpu")
        trainer.run(progress=False)
        trainer.backend.close()
    finally:
        CloudAggregator.aggregate = aggregate
    weights = flat_params(trainer.aggregator.model)
    return {"rounds": digests, "weights_sha256": hashlib.sha256(weights.numpy().tobytes()).hexdigest(),
            "weights": weights.tolist() if engine != "loop" else None, "dropped": [len(r["dropped"]) for r in trainer.result.records]}


def add_machine(into: Path, cpu: str | None) -> None:
    """Append this machine's set of ``loop`` runs, with its fingerprint, to the stored file ``into``."""
    stored = json.loads(into.read_text())
    fingerprint = cpu_fingerprint()
    if any(m.get("fingerprint") == fingerprint for m in stored["machines"]):
        raise SystemExit(f"{into} already holds a set for this machine ({fingerprint})")
    torch.set_num_threads(2)  # as tests/test_algorithm1.py runs them
    try:
        runs = {name: run_case(name, "loop") for name in CASES}
    except ValueError as e:  # today's code has no "loop" engine: it would be compared with itself
        raise SystemExit(f"the loop engine is missing ({e}): run this on a checkout of ee81146") from e
    stored["machines"].append({"cpu": cpu or fingerprint["model_name"] or "unnamed", "fingerprint": fingerprint,
                               "torch": torch.__version__, "loop": runs})
    into.write_text(json.dumps(stored, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--add-machine", action="store_true",
                        help="append this machine's loop runs to --into instead of writing a new file")
    parser.add_argument("--into", type=Path, default=OUT, help="the stored file (default: %(default)s)")
    parser.add_argument("--cpu", help="a name for this machine's CPU (default: its model name)")
    args = parser.parse_args()
    if args.add_machine:
        add_machine(args.into, args.cpu)
        return
    out = {"loop": {name: run_case(name, "loop") for name in CASES}}
    for engine, names in PARALLEL.items():
        out[engine] = {name: run_case(name, engine) for name in names}
    fingerprint = cpu_fingerprint()
    first = {"cpu": args.cpu or fingerprint["model_name"] or "unnamed", "fingerprint": fingerprint,
             "torch": torch.__version__, "loop": out["loop"]}
    args.into.write_text(json.dumps({"torch": torch.__version__, "runs": out, "machines": [first]}, indent=1) + "\n")


if __name__ == "__main__":
    main()
