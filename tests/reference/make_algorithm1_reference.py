"""Writes ``algorithm1_reference.json``: what the federated loop produced at commit 34c7082, before
Algorithm 1 was written once (its serial engine was then called ``loop``, the key of those runs). Kept to
show how the stored numbers were made; ``tests/test_algorithm1.py`` runs today's code through
:func:`run_case` and compares. Regenerating it from today's code would compare the code with itself:
run it only on a checkout of 34c7082 (``python -m tests.reference.make_algorithm1_reference``).

Sums are bit-for-bit only on one kind of CPU, so the file's ``machines`` list holds one set of ``loop``
runs per machine type; the first is the ``runs`` it was made with. On a new machine type, run
:func:`run_case` for every case with the ``loop`` engine on a checkout of ee81146 (34c7082's code and this
script) and append the set, with the CPU's name, to ``machines``."""

from __future__ import annotations

import hashlib
import json
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


def main() -> None:
    out = {"loop": {name: run_case(name, "loop") for name in CASES}}
    for engine, names in PARALLEL.items():
        out[engine] = {name: run_case(name, engine) for name in names}
    OUT.write_text(json.dumps({"torch": torch.__version__, "runs": out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
