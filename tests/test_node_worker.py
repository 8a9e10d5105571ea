"""A SuperNode's long-lived fedad worker: it keeps each worker's Algorithm 1 state (residual, momentum,
replica) in its own process across rounds, so a federation of them gives the in-process weights; it
answers a bad job with the reason; it leaves when the process that started it dies."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from fedad.deployment.node_socket import call
from fedad.deployment.node_worker import NodeWorker
from fedad.deployment.remote_worker import RemoteBackend, RemoteWorker, build_model_from_spec
from fedad.deployment.worker_state import state_file
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.messages import UpdateMessage
from tests.fl_helpers import sine_task

SPEC = {"name": "cnn_lstm", "kwargs": {"dims": 1, "horizon": 2, "window": 16, "channels": [4, 8], "lstm_hidden": 8}}


def start_worker(sock: Path, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "fedad.deployment.node_worker", "--socket", str(sock),
                             "--cold-clientapp", *extra])
    deadline = time.monotonic() + 120
    while True:
        try:
            call(str(sock), {"kind": "ping"}, 5.0)
            return proc
        except ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)


class SocketBackend(RemoteBackend):
    """Each worker's job goes to its own resident node worker process, as the relaying ClientApp sends it."""

    def __init__(self, workdir: Path):
        super().__init__(SPEC, "forecast", workdir)
        self.sockets: dict[str, Path] = {}
        self.procs: list[subprocess.Popen] = []

    def attach(self, workers, trainer):
        self.start(trainer)
        handles = []
        for k, w in enumerate(workers):
            path = self.workdir / f"{k}.pt"
            torch.save(self.partition(w), path)
            self.sockets[w.id] = self.workdir / f"{k}.sock"
            self.procs.append(start_worker(self.sockets[w.id]))
            handles.append(RemoteWorker(w.id, str(path), w.n_samples, w.seed))
        return handles

    def collect(self, workers, round_idx):
        updates = []
        for w in workers:
            request = {"kind": "train", "spec": json.dumps(self.spec(w, round_idx)), "data_path": w.address}
            rec = call(str(self.sockets[w.id]), request, 120.0)
            w.last_buffers = rec["buffers"] or None
            updates.append(UpdateMessage(w.id, round_idx, rec["update"], rec["n_samples"], rec["loss"], rec["compute_s"]))
        return updates, []

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()


def test_resident_workers_keep_the_residual_across_rounds_and_give_the_in_process_weights(tmp_path):
    task = sine_task()
    # ρ = 5 %: most of each update stays in the residual, so a worker that lost it would drift at once
    config = FederatedConfig(n_workers=3, rounds=4, batch_size=16, lr=0.05, rho=5.0, momentum=0.9, engine="serial")
    reference = FederatedTrainer(task, lambda: build_model_from_spec(SPEC), config, seed=0)
    reference.run(progress=False)
    backend = SocketBackend(tmp_path)
    try:
        trainer = FederatedTrainer(task, lambda: build_model_from_spec(SPEC), config, seed=0, backend=backend)
        trainer.run(progress=False)
    finally:
        backend.close()
    assert [r["bytes_up"] for r in trainer.result.records] == [r["bytes_up"] for r in reference.result.records]
    torch.testing.assert_close(flat_params(trainer.aggregator.model), flat_params(reference.aggregator.model),
                               atol=1e-6, rtol=1e-6)


def test_a_job_without_the_state_of_the_round_before_is_answered_with_the_reason(tmp_path):
    spec = {"worker_id": "alpha", "round": 3, "run_name": "r"}
    reply = NodeWorker(tmp_path).handle({"kind": "train", "spec": json.dumps(spec),
                                         "data_path": str(tmp_path / "missing.pt")})
    assert "error" in reply and "missing.pt" in reply["error"]
    assert NodeWorker().handle({"kind": "fly"}) == {"error": "unknown request kind 'fly': expected 'train' or 'ping'"}


def test_state_files_are_per_run_worker_and_round(tmp_path):
    spec = {"worker_id": "alpha", "run_name": "run1"}
    assert state_file(tmp_path, spec, 2) == tmp_path / "run1" / "alpha.round2.pt"
    assert state_file(None, spec, 2) is None and state_file(tmp_path, {"worker_id": "a"}, 2) is None


def test_the_worker_leaves_when_the_process_that_started_it_dies(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    worker = start_worker(tmp_path / "w.sock", "--parent-pid", str(parent.pid))
    try:
        assert worker.poll() is None
        parent.kill()
        parent.wait()
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            pytest.fail("the worker outlived its parent")
