"""The back-end contract: how the trainer reaches its workers, wherever they are.

:class:`fedad.federated.loop.FederatedTrainer` calls only these methods, on every back-end: the
in-process one (:mod:`fedad.federated.backends.inprocess`, whose engine decides where updates are
computed) and the remote ones (syft datasites, Flower SuperNodes), where each worker runs Algorithm 1 on
its own device.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod

from fedad.federated.messages import Broadcast, UpdateMessage


class Backend(ABC):
    """Carries the round's bytes between the aggregator and the workers."""

    name: str
    round_engine: str  # where the workers' updates are computed, as recorded with a run's results

    @abstractmethod
    def attach(self, workers: list, trainer) -> list:
        """Take the workers the trainer built (with their partitions); return the handles it keeps."""

    @abstractmethod
    def collect(self, workers: list, round_idx: int) -> tuple[list[UpdateMessage], list[tuple[str, str]]]:
        """Each worker's upload for this round, and the (worker id, reason) of those dropped."""

    @abstractmethod
    def broadcast(self, workers: list, message: Broadcast) -> None:
        """Deliver the aggregator's encoded change to every worker."""

    @abstractmethod
    def collect_buffers(self, workers: list) -> list[bytes]:
        """The workers' BatchNorm statistics (encoded), for those whose model has them."""

    def round_scope(self) -> contextlib.AbstractContextManager:
        """The context a whole round runs in."""
        return contextlib.nullcontext()

    def state_dict(self) -> dict:
        """What a checkpoint must keep of the back-end (the workers' compression state where it lives here)."""
        return {}

    def load_state_dict(self, state: dict) -> None:  # noqa: B027 — optional: most have nothing here
        """Restore what :meth:`state_dict` returned."""

    def close(self) -> None:  # noqa: B027 — optional: most have nothing here
        """Stop whatever the back-end started."""
