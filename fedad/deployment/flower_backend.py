"""The Flower back-end (extra ``[flower]``, flwr 1.41), for simulation and real deployment alike.

Flower moves the messages; fedad keeps the algorithm. fedad's one ``ServerApp`` (:mod:`flower_server`,
which also runs the simulation) runs fedad's own loop with
:class:`FlowerBackend` as its back-end, so aggregation is fedad's :class:`CloudAggregator` decoding
fedad's compressed bytes (not Flower's FedAvg). The ``ClientApp`` runs the same :class:`VirtualWorker`
local work and Algorithm 1 as every other back-end: itself (:mod:`flower_app`, the worker's state on the
node's disk through :mod:`worker_state`) or through the node's long-lived fedad worker
(:mod:`flower_relay`, :mod:`node_worker`). Each round records the seconds the nodes report
(:attr:`FlowerBackend.round_split`).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import torch

from fedad.deployment.remote_worker import RemoteBackend, RemoteWorker
from fedad.federated.messages import UpdateMessage

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often a round asks the SuperLink for replies (flwr's own send_and_receive waits 3 s)
REASK_S = 30.0  # a node that has not answered the partition query for this long is asked again
SPLIT_KEYS = ("app_start_s", "app_s", "job_s", "compute_s", "encode_s")


def require_flower():
    try:
        import flwr
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("the Flower back-end needs the [flower] extra: pip install -e '.[flower]'") from exc
    return flwr


class FlowerBackend(RemoteBackend):
    """A back-end whose workers are Flower SuperNodes reached through a ``Grid``."""

    name = "flower"

    def __init__(self, model_spec: dict, task_kind: str, workdir: Path, timeout_s: float = 600.0,
                 join_timeout_s: float = 600.0):
        require_flower()
        super().__init__(model_spec, task_kind, workdir)
        self.timeout_s = timeout_s  # how long a round waits for a node before dropping it from the round
        self.join_timeout_s = join_timeout_s  # how long the run waits for every partition's node to answer
        self.grid = None
        self.node_of: dict[str, int] = {}
        self.partition_of: dict[str, int] = {}
        self.run_name: str | None = None  # set by a deployment: SuperNodes then keep state per run on disk
        self.state_dir: Path | None = None  # set by a simulation: where its ClientApps keep the workers' state
        self.started = time.monotonic()
        # every drop: round, worker, SuperNode id, reason, seconds since the backend was bound to its grid
        self.drop_log: list[dict] = []
        # per round: the seconds the nodes reported (app start, app, job, compute, encode), one list per key
        self.round_split: list[dict] = []

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
        """Learn which SuperNode holds which partition (a ``query`` message to each node).

        Nodes join asynchronously, and a node's first answer can take long (a per-message ClientApp
        imports torch and fedad first, slowly on a loaded machine): every query stays awaited until the
        run gives up, so a late answer still counts, and a node that has not answered for
        :data:`REASK_S` (one back from a crash may have lost the message) or answered with an error is
        asked again, until every partition has a node or ``join_timeout_s`` has passed.
        """
        from flwr.app import ConfigRecord, Message, RecordDict

        self.grid = grid
        self.started = time.monotonic()
        deadline = self.started + self.join_timeout_s
        by_partition: dict[int, int] = {}
        awaited: dict[str, int] = {}  # query message id -> the node asked
        asked_at: dict[int, float] = {}
        while True:
            now = time.monotonic()
            nodes = [n for n in grid.get_node_ids()
                     if n not in by_partition.values() and now - asked_at.get(n, -REASK_S) >= REASK_S]
            if nodes:
                asks = [Message(RecordDict({"fedad": ConfigRecord({"ask": "partition-id"})}), dst_node_id=n,
                                message_type="query") for n in nodes]
                awaited.update(zip(grid.push_messages(asks), nodes, strict=True))
                asked_at.update(dict.fromkeys(nodes, now))
            for reply in grid.pull_messages(list(awaited)) if awaited else ():
                node = awaited.pop(reply.metadata.reply_to_message_id, None)
                if reply.has_error():
                    log.warning("a SuperNode failed the partition query: %s", reply.error.reason)
                    asked_at.pop(node, None)  # ask it again at once
                    continue
                by_partition[int(reply.content["fedad"]["partition-id"])] = reply.metadata.src_node_id
            missing = sorted(set(self.partition_of.values()) - set(by_partition))
            if not missing:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no SuperNode holds partitions {missing} after {self.join_timeout_s:.0f}s; "
                                   f"{len(by_partition)} answered")
            time.sleep(0.2)
        self.node_of = {wid: by_partition[k] for wid, k in self.partition_of.items()}

    def send_and_receive(self, messages: list, timeout_s: float) -> list:
        """Push ``messages`` and pull their replies every :data:`POLL_S` until all arrived or ``timeout_s``."""
        pending = set(self.grid.push_messages(messages))
        replies, deadline = [], time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            got = list(self.grid.pull_messages(pending))
            replies += got
            pending -= {m.metadata.reply_to_message_id for m in got}
            if pending:
                time.sleep(POLL_S)
        return replies

    def collect(self, workers: list[RemoteWorker], round_idx: int):
        from flwr.app import ConfigRecord, Message, RecordDict

        if self.grid is None:
            raise RuntimeError("FlowerBackend.bind(grid) must run first (it runs inside the ServerApp)")
        start = time.perf_counter()
        messages_out = []
        for w in workers:
            spec = self.spec(w, round_idx, partition_dir=str(self.partition_dir.resolve()), run_name=self.run_name,
                             state_dir=str(self.state_dir.resolve()) if self.state_dir is not None else None)
            messages_out.append(Message(RecordDict({"fedad": ConfigRecord({"spec": json.dumps(spec)})}),
                                        dst_node_id=self.node_of[w.id], message_type="train", group_id=str(round_idx)))
        replies = self.send_and_receive(messages_out, timeout_s=self.timeout_s)
        # a reply names the message it answers: the SuperLink itself answers for a node it has marked
        # offline, with its own node id as the sender (flwr's SUPERLINK_NODE_ID)
        by_message = {m.metadata.message_id: w for m, w in zip(messages_out, workers, strict=True)}
        updates, dropped, answered = [], [], set()
        split = {key: [] for key in SPLIT_KEYS}
        for reply in replies:
            w = by_message.get(reply.metadata.reply_to_message_id)
            if w is None or w.id in answered:
                log.warning("round %d: ignoring a reply to no message of this round", round_idx)
                continue
            answered.add(w.id)
            if reply.has_error():
                dropped.append((w.id, f"ClientApp error: {reply.error.reason}"))
                continue
            rec = reply.content["fedad"]
            w.last_buffers = rec["buffers"] or None
            for key in SPLIT_KEYS:
                if key in rec:
                    split[key].append(float(rec[key]))
            updates.append(UpdateMessage(w.id, round_idx, rec["update"], int(rec["n_samples"]), float(rec["loss"]),
                                         float(rec["compute_s"])))
        dropped += [(w.id, "no reply before the timeout") for w in workers if w.id not in answered]
        for wid, why in dropped:
            log.warning("round %d: SuperNode of %s dropped: %s", round_idx, wid, why)
            self.drop_log.append({"round": round_idx, "worker": wid, "node_id": self.node_of[wid], "reason": why,
                                  "at_s": round(time.monotonic() - self.started, 3)})
        self.round_seconds.append(time.perf_counter() - start)
        self.round_split.append({"round": round_idx, "round_s": self.round_seconds[-1], **split})
        return sorted(updates, key=lambda m: [w.id for w in workers].index(m.worker_id)), dropped
