"""The default back-end: all virtual workers live in this process; messages are passed as bytes.

Faults are contained here: a worker that raises or exceeds ``worker_timeout_s`` is dropped from the
round (with a logged warning) and the round goes on with the others. The timeout is checked when the
worker returns (in-process work cannot be pre-empted): a straggler's update arrives too late and is
discarded, as a synchronous aggregator with a deadline would.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import torch

from fedad.federated.batched import vmap_gradients
from fedad.federated.config import FederatedConfig
from fedad.federated.messages import Broadcast, UpdateMessage
from fedad.federated.worker import VirtualWorker

log = logging.getLogger(__name__)


def resolve_engine(config: FederatedConfig, device: torch.device) -> str:
    """``auto`` → vmap on a GPU, the per-worker loop on a CPU (measured as fast there: ``make bench``)."""
    if config.mode != "dsgd":
        return "loop"
    if config.engine == "auto":
        return "vmap" if device.type == "cuda" else "loop"
    return config.engine


class InProcessBackend:
    """Runs every worker's local work in this process and carries bytes both ways."""

    name = "inprocess"

    def __init__(self, config: FederatedConfig, device: torch.device | None = None):
        self.config = config
        self.engine = resolve_engine(config, device or torch.device("cpu"))

    def collect(self, workers: list[VirtualWorker], round_idx: int) -> tuple[list[UpdateMessage], list[tuple[str, str]]]:
        """Each worker's upload for this round, and the (worker id, reason) of those dropped."""
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
        messages, dropped = [], []
        for w in workers:
            try:
                g, loss = grads.get(w.id, (None, None))
                start = time.perf_counter()
                msg = w.local_work(round_idx, g, loss)
                # the back-end's clock, not the worker's own report, decides about stragglers
                msg = dataclasses.replace(msg, compute_s=time.perf_counter() - start + shared_s)
            except Exception as exc:  # noqa: BLE001 — any worker failure must not stop the round
                log.warning("round %d: worker %s failed and is dropped: %s", round_idx, w.id, exc)
                dropped.append((w.id, f"{type(exc).__name__}: {exc}"))
                continue
            timeout = self.config.worker_timeout_s
            if timeout is not None and msg.compute_s > timeout:
                log.warning("round %d: worker %s took %.2fs > %.2fs and is dropped", round_idx, w.id, msg.compute_s,
                            timeout)
                dropped.append((w.id, f"timeout: {msg.compute_s:.3f}s > {timeout}s"))
                continue
            messages.append(msg)
        return messages, dropped

    def broadcast(self, workers: list[VirtualWorker], message: Broadcast) -> None:
        for w in workers:
            w.receive(message)

    def collect_buffers(self, workers: list[VirtualWorker]) -> list[bytes]:
        return [p for p in (w.buffer_payload() for w in workers) if p is not None]
