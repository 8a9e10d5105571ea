"""The engine contract: what the in-process back-end asks of whoever computes the workers' updates."""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import torch

from fedad.federated.worker import VirtualWorker, apply_broadcast, failure_text


@dataclass
class LocalUpdates:
    """One round's updates: ``rows[i]`` is worker ``done[i]``'s update (by position in the attached list),
    computed in ``seconds[i]`` with last batch loss ``losses[i]``; ``failures`` maps the other workers'
    positions to why they produced nothing."""

    rows: torch.Tensor
    done: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)

    @classmethod
    def gather(cls, outcomes: list[tuple[torch.Tensor, float, float] | str]) -> LocalUpdates:
        """From each worker's (update, loss, seconds), or the text of its failure."""
        done = [n for n, o in enumerate(outcomes) if not isinstance(o, str)]
        rows = torch.stack([outcomes[n][0].detach() for n in done]) if done else torch.empty(0, 0)
        return cls(rows, done, [float(outcomes[n][1]) for n in done], [outcomes[n][2] for n in done],
                   {n: o for n, o in enumerate(outcomes) if isinstance(o, str)})


def timed_update(worker: VirtualWorker, batch=None) -> tuple[torch.Tensor, float, float] | str:
    """One worker's update with the seconds it took, or the text of its failure: a failing worker is
    dropped from the round, not the run."""
    try:
        start = time.perf_counter()
        update, loss = worker.compute_update(batch)
        return update, loss, time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 — any worker failure must not stop the round
        return failure_text(exc)


class Engine(ABC):
    """Computes the attached workers' updates each round and applies the aggregator's broadcasts to
    their replicas. The base class holds the workers in this process."""

    name: str

    def __init__(self, device: torch.device, compiled: bool = False):
        self.device, self.compiled = device, compiled
        self.workers: list[VirtualWorker] = []

    def attach(self, workers: list[VirtualWorker]) -> list:
        """Take the workers; return the handles the trainer keeps (the workers themselves here)."""
        if self.compiled:
            for w in workers:
                w.compile()
        self.workers = workers
        return workers

    @abstractmethod
    def updates(self, round_idx: int) -> LocalUpdates:
        """Every attached worker's update for this round."""

    def apply(self, payload: bytes) -> None:
        """Apply an encoded broadcast to every replica (decoded once)."""
        apply_broadcast(self.workers, payload)

    def buffers(self) -> list[bytes | None]:
        """Each worker's BatchNorm statistics (None for a model without them)."""
        return [w.buffer_payload() for w in self.workers]

    def round_scope(self) -> contextlib.AbstractContextManager:
        """The context a round runs in (the whole round: local work, aggregation, broadcast)."""
        return contextlib.nullcontext()

    def close(self) -> None:  # noqa: B027 — optional: most have nothing here
        """Release what the engine started."""
