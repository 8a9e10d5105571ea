"""The ``processes`` engine: the virtual workers live in child processes on this machine.

Each child holds a share of the :class:`VirtualWorker` objects (their partitions, replicas and samplers)
and computes their updates one after another with one intra-op thread. Children do not share an
interpreter lock, so on a multi-core CPU the workers' small forward + backward passes run truly in
parallel, which threads cannot do for the Python and autograd parts of a step. A child writes each
update into its row of a shared-memory [N, P] stack and answers with the scalars; the broadcast travels
encoded, with the next command (one message per process and round). The worker code is the serial
engine's, so the numbers are the serial engine's up to floating-point summation order (tested).

The trainer keeps :class:`ChildWorker` handles: who each worker is and how many samples it has, with
checkpointing and inspection forwarded to the child that holds it.
"""

from __future__ import annotations

import dataclasses
import os
from multiprocessing import current_process, get_context
from multiprocessing.connection import Connection

import torch
import torch.multiprocessing  # registers tensor pickling through shared memory for the hand-over

from fedad.federated.engines.engine import Engine, LocalUpdates, timed_update
from fedad.federated.engines.threads import IntraOpThreads
from fedad.federated.worker import VirtualWorker, apply_broadcast


def _serve(conn: Connection, compiled: bool) -> None:
    """A child's loop: take its workers (compiling their replicas with ``compiled``) and the rows of the
    shared stack they write, then compute updates and answer forwarded calls until told to stop. Each
    command carries the broadcasts sent since the last one, applied first."""
    torch.set_num_threads(1)
    workers, rows = conn.recv()
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
            if command == "updates":
                reply = []
                for w, row in zip(workers, rows, strict=True):
                    outcome = timed_update(w)
                    if not isinstance(outcome, str):
                        row.copy_(outcome[0])
                        outcome = (outcome[1], outcome[2])
                    reply.append(outcome)
            else:  # a forwarded method call, one argument tuple per worker
                reply = [None if a is None else getattr(w, command)(*a) for w, a in zip(workers, args, strict=True)]
            conn.send(("ok", reply))
        except Exception as exc:  # noqa: BLE001 — reported to the parent, which raises it there
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclasses.dataclass
class ChildWorker:
    """The parent's handle of a worker that lives in a child process. It holds no data."""

    id: str
    n_samples: int
    seed: int
    engine: ProcessesEngine
    index: int

    def state_dict(self) -> dict:
        return self.engine.call_one(self.index, "state_dict")

    def load_state_dict(self, state: dict) -> None:
        self.engine.call_one(self.index, "load_state_dict", state)

    def buffer_payload(self) -> bytes | None:
        return self.engine.call_one(self.index, "buffer_payload")

    @property
    def model(self) -> torch.nn.Module:
        """A copy of the worker's replica (for inspection; changing it changes nothing in the child)."""
        return self.engine.call_one(self.index, "__getattribute__", "model")


class ProcessesEngine(Engine):
    """Child processes holding the workers, in contiguous shares so that replies keep the workers' order."""

    name = "processes"

    def __init__(self, device: torch.device, compiled: bool = False):
        if device.type != "cpu":
            raise ValueError(f"the processes engine runs the workers on the CPU, not {device}; on a GPU use "
                             "engine='vmap' (or 'auto')")
        super().__init__(device, compiled)
        self.shares: list[list[int]] = []
        self.conns: list[Connection] = []
        self.procs = []
        self.rows = torch.empty(0, 0)
        # broadcasts not yet sent to each process: they travel with its next command, which saves a
        # message per process and round; the child applies them before that command
        self._pending: list[list[bytes]] = []

    def attach(self, workers: list[VirtualWorker]) -> list:
        if current_process().daemon:  # daemonic processes may not have children
            raise RuntimeError("the processes engine cannot start inside a daemonic process; use engine=threads")
        n = max(1, min(os.cpu_count() or 1, len(workers)))
        bounds = [round(i * len(workers) / n) for i in range(n + 1)]
        self.shares = [list(range(bounds[i], bounds[i + 1])) for i in range(n)]
        self.rows = torch.zeros(len(workers), workers[0].n_params).share_memory_()
        ctx = get_context("spawn")  # forking a process whose OpenMP pool has run can hang the child
        for share in self.shares:
            parent_end, child_end = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child_end, self.compiled), daemon=True,
                               name=f"fedad-workers-{share[0]}")
            proc.start()
            child_end.close()
            parent_end.send(([workers[i] for i in share], self.rows[share[0] : share[-1] + 1]))
            self.conns.append(parent_end)
            self.procs.append(proc)
        self._pending = [[] for _ in self.conns]
        return [ChildWorker(w.id, w.n_samples, w.seed, self, i) for i, w in enumerate(workers)]

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

    def updates(self, round_idx: int) -> LocalUpdates:
        """Every worker's update, all processes at once, in the workers' order."""
        for p in range(len(self.conns)):
            self._send(p, "updates", round_idx)
        replies = [item for reply in self._replies(list(range(len(self.conns)))) for item in reply]
        # gather stacks a copy of the rows: the children write the next round's updates into the same memory
        return LocalUpdates.gather([r if isinstance(r, str) else (self.rows[n], *r) for n, r in enumerate(replies)])

    def apply(self, payload: bytes) -> None:
        """Queue the encoded change for every process; each decodes it once for its workers, before the
        next command it receives (so every later call sees it)."""
        for pending in self._pending:
            pending.append(payload)

    def buffers(self) -> list[bytes | None]:
        for p, share in enumerate(self.shares):
            self._send(p, "buffer_payload", [()] * len(share))
        return [item for reply in self._replies(list(range(len(self.conns)))) for item in reply]

    def call_one(self, index: int, method: str, *args):
        """``method(*args)`` on one worker, in the child that holds it."""
        p, pos = self._locate(index)
        self._send(p, method, [args if i == pos else None for i in range(len(self.shares[p]))])
        return self._replies([p])[0][pos]

    def round_scope(self) -> IntraOpThreads:
        """The parent runs its share of a round (Algorithm 1, aggregation, bookkeeping) on one intra-op
        thread: after a parallel op OpenMP's idle thread keeps spinning on a core, and a child woken
        meanwhile would wait for it."""
        return IntraOpThreads(1)

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
