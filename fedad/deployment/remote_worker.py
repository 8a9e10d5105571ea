"""One round of a VirtualWorker's local work, run away from the aggregator (syft job, Flower client).

The caller supplies the job spec (who, which round, model, config, the last broadcast), the worker's
private partition and its saved state; it gets back the upload (bytes and scalars) and the new state
to keep on the worker's side. The worker's update goes through the same Algorithm 1 as in-process
(:class:`fedad.federated.algorithm1.Algorithm1` with one row), so the bytes are the same.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from fedad.compression.codec import decode_for
from fedad.federated.algorithm1 import Algorithm1
from fedad.federated.backends.backend import Backend
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import set_flat_params
from fedad.federated.messages import Broadcast
from fedad.federated.worker import VirtualWorker, non_finite
from fedad.models import build_model
from fedad.training.tasks import LOSSES


def job_spec(worker_id: str, seed: int, round_idx: int, model_spec: dict, task_kind: str, config: FederatedConfig,
             broadcast: bytes | None, initial_state: bytes | None, **extra) -> dict:
    """The JSON-able description of one round's local work for one worker."""
    return {"worker_id": worker_id, "seed": seed, "round": round_idx, "model": model_spec, "task": task_kind,
            "federated": config.to_dict(), "broadcast": base64.b64encode(broadcast).decode() if broadcast else None,
            "initial_state": base64.b64encode(initial_state).decode() if initial_state else None, **extra}


def build_model_from_spec(spec: dict) -> torch.nn.Module:
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["kwargs"].items()}
    return build_model(spec["name"], **kwargs)


def run_job(spec: dict, data: dict, state: bytes | None) -> tuple[dict, bytes]:
    """Run the spec's round on ``data`` ({"x", "y"}) from ``state``; return (outputs, new state).

    The outputs' ``compute_s`` is the local work (gradients and Algorithm 1), ``encode_s`` the Algorithm 1
    part of it, ``job_s`` the whole job with loading and saving the state.
    """
    start = time.perf_counter()
    config = FederatedConfig.from_dict(spec["federated"])
    worker = VirtualWorker(spec["worker_id"], data["x"], data["y"], build_model_from_spec(spec["model"]),
                           LOSSES[spec["task"]], config, spec["seed"])
    algorithm1 = Algorithm1(config, [spec["seed"]])
    if state is not None:
        saved = torch.load(io.BytesIO(state), weights_only=False)
        worker.load_state_dict(saved["worker"])
        algorithm1.load_state_dict(saved["algorithm1"])
    elif spec["round"] > 0 and not spec.get("initial_state"):
        # a fresh replica would train from random weights and upload nonsense: fail, so the round drops it
        raise RuntimeError(f"worker {spec['worker_id']}: no saved state from round {spec['round'] - 1}")
    elif spec.get("initial_state"):  # first round: the global weights the aggregator sent
        set_flat_params(worker.model, decode_for(base64.b64decode(spec["initial_state"]), worker.n_params).to_dense())
    if spec.get("broadcast"):
        worker.receive(Broadcast(spec["round"] - 1, base64.b64decode(spec["broadcast"])))
    work_start = time.perf_counter()
    update, loss = worker.compute_update()
    encode_start = time.perf_counter()
    payload = algorithm1.pack(update[None])[0]
    if payload is None:
        raise non_finite(worker.id, spec["round"])
    compute_s = time.perf_counter() - work_start
    encode_s = time.perf_counter() - encode_start
    buf = io.BytesIO()
    torch.save({"worker": worker.state_dict(), "algorithm1": algorithm1.state_dict()}, buf)
    outputs = {"update": payload, "buffers": worker.buffer_payload() or b"", "n_samples": worker.n_samples,
               "loss": loss, "compute_s": compute_s, "encode_s": encode_s, "job_s": time.perf_counter() - start}
    return outputs, buf.getvalue()


@dataclass
class RemoteWorker:
    """The aggregator's handle of a worker that lives elsewhere: who it is, where, how many samples it
    reports, and its last BatchNorm statistics. It holds no data."""

    id: str
    address: str
    n_samples: int
    seed: int
    last_buffers: bytes | None = None

    def state_dict(self) -> dict:
        """What the aggregator's checkpoint keeps of the handle (the worker's own state stays remote)."""
        return {"last_buffers": self.last_buffers}

    def load_state_dict(self, state: dict) -> None:
        self.last_buffers = state["last_buffers"]


class RemoteBackend(Backend):
    """What the syft and Flower back-ends share: a job spec per worker and round carries the last
    broadcast to the worker; the worker's state and data stay on its side."""

    round_engine = "on-device"  # each worker computes its update and runs Algorithm 1 where its data is

    def __init__(self, model_spec: dict, task_kind: str, workdir: Path):
        self.model_spec, self.task_kind = model_spec, task_kind
        self.workdir = Path(workdir)
        self.pending: bytes | None = None
        self.initial_state = b""
        self.config: FederatedConfig | None = None
        self.round_seconds: list[float] = []

    def start(self, trainer) -> None:
        """Take the run's settings and the initial global weights from the trainer being attached."""
        self.config = trainer.config
        self.initial_state = trainer.aggregator.initial_state()

    @staticmethod
    def partition(worker: VirtualWorker) -> dict:
        """The local worker's private partition, as handed over once to its remote owner."""
        return {"x": worker._x.detach().cpu(), "y": worker._y.detach().cpu()}

    def spec(self, worker: RemoteWorker, round_idx: int, **extra) -> dict:
        return job_spec(worker.id, worker.seed, round_idx, self.model_spec, self.task_kind, self.config, self.pending,
                        self.initial_state if round_idx == 0 else None, **extra)

    def broadcast(self, workers, message: Broadcast) -> None:
        """The change reaches each worker inside its next round's job spec."""
        self.pending = message.payload

    def collect_buffers(self, workers: list[RemoteWorker]) -> list[bytes]:
        return [w.last_buffers for w in workers if w.last_buffers is not None]
