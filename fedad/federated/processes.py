"""The ``processes`` engine: the virtual workers live in child processes on this machine.

Each child holds a share of the :class:`VirtualWorker` objects (their partitions, replicas, compression
memory and samplers) and runs their local work one after another with one intra-op thread, then packs
their updates in one stacked pass (:func:`fedad.federated.stacked.local_round`). Children do not share
an interpreter lock, so on a multi-core CPU the workers' small forward + backward passes run truly in
parallel, which threads cannot do for the Python and autograd parts of a step. Only what a real
deployment sends crosses the pipes: the encoded uploads with their scalars, the encoded broadcast (sent
with the next command, one message per process and round), and BatchNorm statistics. The worker code
is the loop's, so the bytes are the loop's up to floating-point summation order (tested).

The aggregator keeps :class:`ProcessWorker` handles: who each worker is and how many samples it has,
with checkpointing and inspection forwarded to the child that holds it.
"""

from __future__ import annotations

import dataclasses
from multiprocessing import current_process, get_context
from multiprocessing.connection import Connection

import torch
import torch.multiprocessing  # registers tensor pickling through shared memory for the hand-over

from fedad.federated.messages import Broadcast, UpdateMessage
from fedad.federated.stacked import local_round
from fedad.federated.worker import VirtualWorker, apply_broadcast


def _serve(conn: Connection, stacked: bool, compiled: bool) -> None:
    """A child's loop: take its workers (compiling their replicas with ``compiled``), then run local work
    and answer forwarded calls until told to stop. Each command carries the broadcasts sent since the
    last one, applied first."""
    torch.set_num_threads(1)
    workers: list[VirtualWorker] = conn.recv()
    if compiled:
        for w in workers:
            w.compile()
    while True:
        try:
            command, args, broadcasts = conn.recv()
        except EOFError:  # the parent is gone
            return
        if command == "stop":
            return
        try:
            for payload in broadcasts:
                apply_broadcast(workers, payload)
            if command == "work":
                reply = local_round(workers, args, stacked)
            else:  # a forwarded method call, one argument tuple per worker
                reply = [None if a is None else getattr(w, command)(*a) for w, a in zip(workers, args, strict=True)]
            conn.send(("ok", reply))
        except Exception as exc:  # noqa: BLE001 — reported to the parent, which raises it there
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclasses.dataclass
class ProcessWorker:
    """The parent's handle of a worker that lives in a child process. It holds no data."""

    id: str
    n_samples: int
    pool: WorkerProcesses
    index: int

    def state_dict(self) -> dict:
        return self.pool.call_one(self.index, "state_dict")

    def load_state_dict(self, state: dict) -> None:
        self.pool.call_one(self.index, "load_state_dict", state)

    def buffer_payload(self) -> bytes | None:
        return self.pool.call_one(self.index, "buffer_payload")

    @property
    def model(self) -> torch.nn.Module:
        """A copy of the worker's replica (for inspection; changing it changes nothing in the child)."""
        return self.pool.call_one(self.index, "__getattribute__", "model")


class WorkerProcesses:
    """Child processes holding the workers, in contiguous shares so that replies keep the workers' order."""

    def __init__(self, workers: list[VirtualWorker], processes: int, stacked: bool = True, compiled: bool = False):
        if current_process().daemon:  # daemonic processes may not have children
            raise RuntimeError("the processes engine cannot start inside a daemonic process; use engine=threads")
        processes = max(1, min(processes, len(workers)))
        bounds = [round(i * len(workers) / processes) for i in range(processes + 1)]
        self.shares = [list(range(bounds[i], bounds[i + 1])) for i in range(processes)]
        ctx = get_context("spawn")  # forking a process whose OpenMP pool has run can hang the child
        self.conns: list[Connection] = []
        self.procs = []
        for share in self.shares:
            parent_end, child_end = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child_end, stacked, compiled), daemon=True,
                               name=f"fedad-workers-{share[0]}")
            proc.start()
            child_end.close()
            parent_end.send([workers[i] for i in share])
            self.conns.append(parent_end)
            self.procs.append(proc)
        self.handles = [ProcessWorker(w.id, w.n_samples, self, i) for i, w in enumerate(workers)]
        # broadcasts not yet sent to each process: they travel with its next command, which saves a
        # message per process and round; the child applies them before that command
        self._pending: list[list[bytes]] = [[] for _ in self.conns]

    def _send(self, p: int, command: str, args) -> None:
        self.conns[p].send((command, args, self._pending[p]))
        self._pending[p] = []

    def _locate(self, index: int) -> tuple[int, int]:
        for p, share in enumerate(self.shares):
            if index in share:
                return p, share.index(index)
        raise IndexError(index)

    def _replies(self, procs: list[int]) -> list:
        out = []
        for p in procs:
            status, reply = self.conns[p].recv()
            if status != "ok":
                raise RuntimeError(f"worker process {self.procs[p].name}: {reply}")
            out.append(reply)
        return out

    def work(self, round_idx: int) -> list[tuple[UpdateMessage | None, str | None]]:
        """Every worker's local work for this round, all processes at once, in the workers' order."""
        for p in range(len(self.conns)):
            self._send(p, "work", round_idx)
        return [item for reply in self._replies(list(range(len(self.conns)))) for item in reply]

    def apply(self, message: Broadcast) -> None:
        """Queue the encoded change for every process; each decodes it once for its workers, before the
        next command it receives (so every later call sees it)."""
        for pending in self._pending:
            pending.append(message.payload)

    def call_all(self, method: str) -> list:
        """``method()`` on every worker, in the workers' order."""
        for p, share in enumerate(self.shares):
            self._send(p, method, [()] * len(share))
        return [item for reply in self._replies(list(range(len(self.conns)))) for item in reply]

    def call_one(self, index: int, method: str, *args):
        p, pos = self._locate(index)
        self._send(p, method, [args if i == pos else None for i in range(len(self.shares[p]))])
        return self._replies([p])[0][pos]

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(("stop", None, []))
                conn.close()
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self.conns, self.procs = [], []

    def __del__(self):
        if getattr(self, "procs", None):
            self.close()
