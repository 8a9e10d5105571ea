"""The default back-end: all virtual workers live in this process; messages are passed as bytes.

Faults are contained here: a worker that raises or exceeds ``worker_timeout_s`` is dropped from the
round (with a logged warning) and the round goes on with the others. The timeout is checked when the
worker returns (in-process work cannot be pre-empted): a straggler's update arrives too late and is
discarded, as a synchronous aggregator with a deadline would.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

import torch

from fedad.federated.batched import vmap_gradients
from fedad.federated.config import ENGINES, FederatedConfig
from fedad.federated.messages import Broadcast, UpdateMessage
from fedad.federated.processes import WorkerProcesses
from fedad.federated.stacked import can_stack, pack_round
from fedad.federated.worker import VirtualWorker, apply_broadcast, timed_local_work, timed_update

log = logging.getLogger(__name__)


def resolve_engine(config: FederatedConfig, device: torch.device) -> str:
    """``auto`` → ``$FEDAD_ENGINE`` when set; else vmap on a GPU; on a CPU with two or more cores,
    ``threads`` (workers' local work in parallel threads, one intra-op thread each: small per-worker batches
    use two cores better that way than one op at a time across both; ``make bench`` measures it), else the
    per-worker ``loop``. ``processes`` is never chosen by itself: each trainer would start an interpreter
    per core, and ``fedad run --jobs`` already fills the cores."""
    engine = config.engine
    if engine == "auto" and os.environ.get("FEDAD_ENGINE"):
        engine = os.environ["FEDAD_ENGINE"]
        if engine not in ENGINES:
            raise ValueError(f"FEDAD_ENGINE must be one of {ENGINES}, got {engine!r}")
    if engine != "auto":
        return engine if config.mode == "dsgd" or engine in ("threads", "processes") else "loop"
    if device.type == "cuda":
        return "vmap" if config.mode == "dsgd" else "loop"
    return "threads" if (os.cpu_count() or 1) >= 2 else "loop"


def resolve_compile(config: FederatedConfig, engine: str) -> bool:
    """Whether the workers' replicas are compiled: ``config.compile`` or ``$FEDAD_COMPILE=1``, on every
    engine but vmap (whose one functional pass over all replicas is not compiled)."""
    env = os.environ.get("FEDAD_COMPILE", "")
    if env not in ("", "0", "1"):
        raise ValueError(f"FEDAD_COMPILE must be 0 or 1, got {env!r}")
    return (config.compile or env == "1") and engine != "vmap"


_POOLS: dict[int, ThreadPoolExecutor] = {}


def _shared_pool() -> ThreadPoolExecutor:
    """One pool per process, as many threads as cores: trainers come and go, threads should not pile up."""
    pid = os.getpid()  # a forked child must not reuse its parent's threads
    if pid not in _POOLS:
        _POOLS[pid] = ThreadPoolExecutor(max(2, os.cpu_count() or 2), thread_name_prefix="fedad-worker")
    return _POOLS[pid]


class _IntraOpThreads:
    """Set torch's intra-op threads for a block and put the old value back."""

    def __init__(self, n: int):
        self.n, self.old = n, torch.get_num_threads()

    def __enter__(self):
        if self.n != self.old:
            torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        if self.n != self.old:
            torch.set_num_threads(self.old)


class InProcessBackend:
    """Runs every worker's local work in this process and carries bytes both ways."""

    name = "inprocess"

    def __init__(self, config: FederatedConfig, device: torch.device | None = None, stacked: bool = True):
        self.config = config
        self.device = device or torch.device("cpu")
        # pack all workers' top-k updates in one stacked pass (fedad.federated.stacked; same bytes and
        # memory as packing worker by worker, which ``stacked=False`` keeps for comparison)
        self.stacked = stacked
        self.engine = resolve_engine(config, self.device)
        self.compiled = resolve_compile(config, self.engine)
        self._pool = _shared_pool() if self.engine == "threads" else None
        self._processes: WorkerProcesses | None = None

    def attach(self, workers: list[VirtualWorker], trainer=None) -> list:
        """The ``processes`` engine moves the workers into child processes and hands back their handles;
        every other engine keeps them here. Replicas are compiled where they run (a compiled module does
        not travel to a child)."""
        if self.engine != "processes":
            if self.compiled:
                for w in workers:
                    w.compile()
            return workers
        if self.device.type != "cpu":
            raise ValueError(f"the processes engine runs the workers on the CPU, not {self.device}; on a GPU use "
                             "engine='vmap' (or 'auto')")
        self._processes = WorkerProcesses(workers, os.cpu_count() or 1, self.stacked, self.compiled)
        return self._processes.handles

    def round_scope(self):
        """The context a round runs in here. With worker processes the parent runs its share of a round
        (aggregation, bookkeeping) on one intra-op thread: its ops are tiny, and after a parallel op
        OpenMP's idle thread spins on a core for about 2 ms, so a child woken in that time waited for
        it (the second child started 3 ms into a 50 ms round; on one thread both start within 0.3 ms)."""
        return _IntraOpThreads(1) if self._processes is not None else contextlib.nullcontext()

    def close(self) -> None:
        """Stop the worker processes, if any (they also stop when this process ends)."""
        if self._processes is not None:
            self._processes.close()
            self._processes = None

    def collect(self, workers: list[VirtualWorker], round_idx: int) -> tuple[list[UpdateMessage], list[tuple[str, str]]]:
        """Each worker's upload for this round, and the (worker id, reason) of those dropped."""
        if self._processes is not None:
            outcomes = self._processes.work(round_idx)
        else:
            outcomes = self._local_work(workers, round_idx)
        messages, dropped = [], []
        for w, (msg, failure) in zip(workers, outcomes, strict=True):
            if failure is not None:
                log.warning("round %d: worker %s failed and is dropped: %s", round_idx, w.id, failure)
                dropped.append((w.id, failure))
                continue
            timeout = self.config.worker_timeout_s
            if timeout is not None and msg.compute_s > timeout:
                log.warning("round %d: worker %s took %.2fs > %.2fs and is dropped", round_idx, w.id, msg.compute_s,
                            timeout)
                dropped.append((w.id, f"timeout: {msg.compute_s:.3f}s > {timeout}s"))
                continue
            messages.append(msg)
        return messages, dropped

    def _local_work(self, workers: list[VirtualWorker], round_idx: int) -> list[tuple[UpdateMessage | None, str | None]]:
        """Every worker's update (one after another, in threads, or in one vmap pass), then one stacked
        pack for all of them where :func:`can_stack` allows, else each worker's own pack."""
        grads: dict[str, tuple[torch.Tensor, float]] = {}
        shared_s = 0.0  # the batched pass, charged to the workers in equal shares
        if self.engine == "vmap":
            start = time.perf_counter()
            batches = [w.next_batch() for w in workers]
            if len({len(b[0]) for b in batches}) == 1:
                g, losses = vmap_gradients(workers, batches)
                grads = {w.id: (gi, li) for w, gi, li in zip(workers, g, losses, strict=True)}
            else:  # unequal local batches cannot be stacked: fall back to the loop for this round
                grads = {w.id: w.gradient(*b) for w, b in zip(workers, batches, strict=True)}
            shared_s = (time.perf_counter() - start) / len(workers)
        stack = self.stacked and can_stack(workers)
        work = timed_update if stack else timed_local_work  # stacked: the updates are packed together below
        if self._pool is not None:
            with _IntraOpThreads(1):
                done = list(self._pool.map(lambda w: work(w, round_idx), workers))
        else:
            done = [work(w, round_idx, *grads.get(w.id, (None, None)), shared_s) for w in workers]
        return self._pack_stacked(workers, done, round_idx) if stack else done

    @staticmethod
    def _pack_stacked(workers: list[VirtualWorker], updates: list, round_idx: int
                      ) -> list[tuple[UpdateMessage | None, str | None]]:
        """:func:`fedad.federated.stacked.pack_round` (a method so that the bench can time it)."""
        return pack_round(workers, updates, round_idx)

    def broadcast(self, workers: list[VirtualWorker], message: Broadcast) -> None:
        """Every worker applies the same change: decoded once here (once per worker process), applied to
        each replica."""
        if self._processes is not None:
            self._processes.apply(message)
            return
        apply_broadcast(workers, message.payload)

    def collect_buffers(self, workers: list[VirtualWorker]) -> list[bytes]:
        payloads = self._processes.call_all("buffer_payload") if self._processes is not None else (
            w.buffer_payload() for w in workers)
        return [p for p in payloads if p is not None]
