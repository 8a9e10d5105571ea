"""The default back-end: all virtual workers live on this machine; messages are passed as bytes.

Its engine (:mod:`fedad.federated.engines`) computes the workers' updates; Algorithm 1
(:mod:`fedad.federated.algorithm1`) packs them, for all workers in one pass; the aggregator receives only
the resulting :class:`UpdateMessage` bytes.

Faults are contained here: a worker that raises, whose update is not finite, or that exceeds
``worker_timeout_s`` is dropped from the round (with a logged warning) and the round goes on with the
others. The timeout is checked when the worker returns (in-process work cannot be pre-empted): a
straggler's update arrives too late and is discarded, as a synchronous aggregator with a deadline would.
"""

from __future__ import annotations

import logging
import time

import torch

from fedad.federated.algorithm1 import Algorithm1
from fedad.federated.backends.backend import Backend
from fedad.federated.config import FederatedConfig
from fedad.federated.engines import Engine, build_engine
from fedad.federated.messages import Broadcast, UpdateMessage
from fedad.federated.worker import failure_text, non_finite

log = logging.getLogger(__name__)


class InProcessBackend(Backend):
    """Runs every worker's local work on this machine through an engine and carries bytes both ways."""

    name = "inprocess"

    def __init__(self, config: FederatedConfig, device: torch.device | None = None,
                 clock=time.perf_counter):
        self.config = config
        self.device = device or torch.device("cpu")
        self.engine: Engine = build_engine(config, self.device)
        self.algorithm1: Algorithm1 | None = None
        self.clock = clock  # the seconds a pack takes are charged to the workers (a test injects a clock)

    @property
    def round_engine(self) -> str:
        return self.engine.name

    @property
    def compiled(self) -> bool:
        return self.engine.compiled

    def attach(self, workers: list, trainer=None) -> list:
        """Hand the workers to the engine, and start Algorithm 1's state for them."""
        self.algorithm1 = Algorithm1(self.config, [w.seed for w in workers])
        return self.engine.attach(workers)

    def collect(self, workers: list, round_idx: int) -> tuple[list[UpdateMessage], list[tuple[str, str]]]:
        local = self.engine.updates(round_idx)
        start = self.clock()
        payloads = self.algorithm1.pack(local.rows, local.done) if local.done else []
        share = (self.clock() - start) / max(len(local.done), 1)
        failures = dict(local.failures)
        sent: dict[int, UpdateMessage] = {}
        for i, (n, payload) in enumerate(zip(local.done, payloads, strict=True)):
            w = workers[n]
            if payload is None:
                failures[n] = failure_text(non_finite(w.id, round_idx))
                continue
            sent[n] = UpdateMessage(w.id, round_idx, payload, w.n_samples, local.losses[i], local.seconds[i] + share)
        messages, dropped = [], []
        timeout = self.config.worker_timeout_s
        for n, w in enumerate(workers):
            if n in failures:
                log.warning("round %d: worker %s failed and is dropped: %s", round_idx, w.id, failures[n])
                dropped.append((w.id, failures[n]))
            elif timeout is not None and sent[n].compute_s > timeout:
                log.warning("round %d: worker %s took %.2fs > %.2fs and is dropped", round_idx, w.id,
                            sent[n].compute_s, timeout)
                dropped.append((w.id, f"timeout: {sent[n].compute_s:.3f}s > {timeout}s"))
            else:
                messages.append(sent[n])
        return messages, dropped

    def broadcast(self, workers: list, message: Broadcast) -> None:
        """Every worker applies the same change, decoded once (once per worker process)."""
        self.engine.apply(message.payload)

    def collect_buffers(self, workers: list) -> list[bytes]:
        return [p for p in self.engine.buffers() if p is not None]

    def round_scope(self):
        return self.engine.round_scope()

    def state_dict(self) -> dict:
        return {"algorithm1": self.algorithm1.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.algorithm1.load_state_dict(state["algorithm1"])

    def close(self) -> None:
        self.engine.close()
