"""Run the federated loop on Flower (extra ``[flower]``, flwr 1.41): simulation or real deployment.

Flower moves the messages; fedad keeps the algorithm. The ``ServerApp`` runs fedad's own loop with
:class:`FlowerBackend` as its back-end, so aggregation is fedad's :class:`CloudAggregator` decoding
fedad's compressed bytes (not Flower's FedAvg). The ``ClientApp`` (:mod:`flower_app`) runs the same
:class:`VirtualWorker` local work as every other back-end and keeps the worker's compression state in
Flower's ``context.state`` between rounds.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import torch

from fedad.federated.backends.remote_worker import RemoteBackend, RemoteWorker
from fedad.federated.messages import UpdateMessage

log = logging.getLogger(__name__)


def require_flower():
    try:
        import flwr
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("the Flower back-end needs the [flower] extra: pip install -e '.[flower]'") from exc
    return flwr


class FlowerBackend(RemoteBackend):
    """A back-end whose workers are Flower SuperNodes reached through a ``Grid``."""

    name = "flower"

    def __init__(self, model_spec: dict, task_kind: str, workdir: Path, timeout_s: float = 600.0):
        require_flower()
        super().__init__(model_spec, task_kind, workdir)
        self.timeout_s = timeout_s
        self.grid = None
        self.node_of: dict[str, int] = {}
        self.partition_of: dict[str, int] = {}

    @property
    def partition_dir(self) -> Path:
        return self.workdir / "partitions"

    def attach(self, workers, trainer) -> list[RemoteWorker]:
        """Hand partition k to SuperNode k (written where that node reads it); return handles."""
        self.start(trainer)
        self.partition_dir.mkdir(parents=True, exist_ok=True)
        handles = []
        for k, w in enumerate(workers):
            torch.save(self.partition(w), self.partition_dir / f"{k}.pt")
            self.partition_of[w.id] = k
            handles.append(RemoteWorker(w.id, f"partition-{k}", w.n_samples, w.seed))
        return handles

    def bind(self, grid) -> None:
        """Learn which SuperNode holds which partition (a ``query`` message to each node)."""
        from flwr.app import ConfigRecord, Message, RecordDict

        self.grid = grid
        deadline = time.monotonic() + self.timeout_s
        nodes = list(grid.get_node_ids())
        while len(nodes) < len(self.partition_of) and time.monotonic() < deadline:  # nodes join asynchronously
            time.sleep(0.5)
            nodes = list(grid.get_node_ids())
        asks = [Message(RecordDict({"fedad": ConfigRecord({"ask": "partition-id"})}), dst_node_id=n,
                        message_type="query") for n in nodes]
        by_partition = {}
        for reply in grid.send_and_receive(asks, timeout=self.timeout_s):
            if reply.has_error():
                raise RuntimeError(f"SuperNode {reply.metadata.src_node_id} failed the query: {reply.error}")
            by_partition[int(reply.content["fedad"]["partition-id"])] = reply.metadata.src_node_id
        missing = sorted(set(self.partition_of.values()) - set(by_partition))
        if missing:
            raise RuntimeError(f"no SuperNode holds partitions {missing}; {len(nodes)} nodes answered")
        self.node_of = {wid: by_partition[k] for wid, k in self.partition_of.items()}

    def collect(self, workers: list[RemoteWorker], round_idx: int):
        from flwr.app import ConfigRecord, Message, RecordDict

        if self.grid is None:
            raise RuntimeError("FlowerBackend.bind(grid) must run first (it runs inside the ServerApp)")
        start = time.perf_counter()
        messages_out = []
        for w in workers:
            spec = self.spec(w, round_idx, partition_dir=str(self.partition_dir.resolve()))
            messages_out.append(Message(RecordDict({"fedad": ConfigRecord({"spec": json.dumps(spec)})}),
                                        dst_node_id=self.node_of[w.id], message_type="train", group_id=str(round_idx)))
        by_node = {self.node_of[w.id]: w for w in workers}
        updates, dropped, answered = [], [], set()
        for reply in self.grid.send_and_receive(messages_out, timeout=self.timeout_s):
            w = by_node[reply.metadata.src_node_id]
            answered.add(w.id)
            if reply.has_error():
                dropped.append((w.id, f"ClientApp error: {reply.error.reason}"))
                continue
            rec = reply.content["fedad"]
            w.last_buffers = rec["buffers"] or None
            updates.append(UpdateMessage(w.id, round_idx, rec["update"], int(rec["n_samples"]), float(rec["loss"]),
                                         float(rec["compute_s"])))
        dropped += [(w.id, "no reply before the timeout") for w in workers if w.id not in answered]
        for wid, why in dropped:
            log.warning("round %d: SuperNode of %s dropped: %s", round_idx, wid, why)
        self.round_seconds.append(time.perf_counter() - start)
        return sorted(updates, key=lambda m: [w.id for w in workers].index(m.worker_id)), dropped


def server_app_for(trainer, progress: bool = False):
    """A ``ServerApp`` whose main runs ``trainer``'s loop over the Grid it is given."""
    from flwr.serverapp import ServerApp

    app = ServerApp()

    @app.main()
    def main(grid, context) -> None:
        trainer.backend.bind(grid)
        trainer.run(progress=progress)

    return app


def run_simulation(trainer, progress: bool = False, num_cpus_per_client: float = 1.0) -> None:
    """Run ``trainer`` (built with a :class:`FlowerBackend`) in Flower's simulation engine (Ray)."""
    from flwr.simulation import run_simulation as flower_run

    from fedad.federated.backends.flower_app import client_app

    flower_run(server_app=server_app_for(trainer, progress), client_app=client_app,
               num_supernodes=len(trainer.workers),
               backend_config={"client_resources": {"num_cpus": num_cpus_per_client, "num_gpus": 0.0}})
