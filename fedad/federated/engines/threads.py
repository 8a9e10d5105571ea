"""The ``threads`` engine: the workers compute their updates in a thread pool, one intra-op thread each
(torch releases the interpreter lock inside its ops, so small per-worker batches use the cores better
side by side than one op at a time across all of them; ``make bench`` measures it)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import torch

from fedad.federated.engines.engine import Engine, LocalUpdates, timed_update

_POOLS: dict[int, ThreadPoolExecutor] = {}


def shared_pool() -> ThreadPoolExecutor:
    """One pool per process, as many threads as cores: trainers come and go, threads should not pile up."""
    pid = os.getpid()  # a forked child must not reuse its parent's threads
    if pid not in _POOLS:
        _POOLS[pid] = ThreadPoolExecutor(max(2, os.cpu_count() or 2), thread_name_prefix="fedad-worker")
    return _POOLS[pid]


class IntraOpThreads:
    """Set torch's intra-op threads for a block and put the old value back."""

    def __init__(self, n: int):
        self.n, self.old = n, n

    def __enter__(self):
        self.old = torch.get_num_threads()
        if self.n != self.old:
            torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        if self.n != self.old:
            torch.set_num_threads(self.old)


class ThreadsEngine(Engine):
    name = "threads"

    def updates(self, round_idx: int) -> LocalUpdates:
        """Every worker's update from the shared pool, on the one intra-op thread :meth:`round_scope` sets."""
        return LocalUpdates.gather(list(shared_pool().map(timed_update, self.workers)))

    def round_scope(self) -> IntraOpThreads:
        """The whole round on one intra-op thread, Algorithm 1 and aggregation included: its ops on [N, P]
        stacks are too small to gain from a second thread, and switching torch's thread count back to the
        cores between the local work and them cost more than they took."""
        return IntraOpThreads(1)
