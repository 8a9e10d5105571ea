"""VirtualWorker: an edge device holding a private partition and a model replica.

PySyft 0.2 vocabulary, because many users learned federated learning from it: a ``VirtualWorker`` with
an id like "alice" holds data that never leaves it (PySyft's pointers to remote tensors); the global
model is *sent* to it (``receive`` ≈ ``model.send(worker)``) and only an update comes back (``get``).
Unlike PySyft 0.2, what comes back is bytes: the worker's update, compressed by Algorithm 1
(:mod:`fedad.federated.algorithm1`, which holds the compression state) and encoded.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from fedad.compression.codec import CodecError, decode_for, encode_dense
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import add_to_params, flat_buffers, flat_grad, flat_params, set_flat_params
from fedad.federated.messages import Broadcast

WORKER_NAMES = ("alice", "bob", "charlie", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy")


def worker_name(k: int) -> str:
    return WORKER_NAMES[k] if k < len(WORKER_NAMES) else f"worker{k}"


class BatchSampler:
    """Endless mini-batches from a worker's own samples: a fresh seeded shuffle each local epoch."""

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n, self.batch_size = n, min(batch_size, n)
        self.generator = torch.Generator().manual_seed(seed)
        self.order = torch.randperm(n, generator=self.generator)
        self.pos = 0

    def next(self) -> torch.Tensor:
        if self.pos + self.batch_size > self.n:
            self.order = torch.randperm(self.n, generator=self.generator)
            self.pos = 0
        idx = self.order[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return idx

    def state_dict(self) -> dict:
        return {"rng": self.generator.get_state(), "order": self.order, "pos": self.pos}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["rng"])
        self.order, self.pos = state["order"], state["pos"]


class VirtualWorker:
    """One edge device. Public surface: :meth:`receive` (the broadcast) and :meth:`compute_update` (this
    round's update, before Algorithm 1 compresses it)."""

    def __init__(self, worker_id: str, x: torch.Tensor, y: torch.Tensor, model: nn.Module, loss_fn,
                 config: FederatedConfig, seed: int):
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"worker {worker_id}: needs a non-empty partition with as many targets as inputs")
        self.id = worker_id
        self.seed = seed
        self._x, self._y = x, y  # private: never sent anywhere
        self.model = model
        self.loss_fn = loss_fn
        self.config = config
        self.sampler = BatchSampler(len(x), config.batch_size, seed)

    @property
    def n_samples(self) -> int:
        return len(self._x)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        idx = self.sampler.next()
        return self._x[idx], self._y[idx]

    def compile(self) -> None:
        """Run the replica through ``torch.compile`` from now on (in place: its state dict and parameters
        are unchanged). Replicas of one architecture share the compiled graphs, so only the first compiles."""
        self.model.compile()

    # -- receive ---------------------------------------------------------------------------------
    def receive(self, broadcast: Broadcast) -> None:
        """Apply the aggregator's encoded change of the global weights to the local replica.

        The whole message is checked first (:func:`fedad.compression.codec.decode_for`): a corrupt one, one
        for another model size or one with non-finite values raises :class:`CodecError` naming this worker
        and the round, and leaves the replica and the memory as they were.
        """
        try:
            apply_broadcast([self], broadcast.payload)
        except CodecError as exc:
            raise CodecError(f"worker {self.id}: rejected the broadcast of round {broadcast.round} ({exc})") from None

    @property
    def n_params(self) -> int:
        """Entries of the flat parameter vector that updates and broadcasts stand for."""
        return sum(p.numel() for p in self.model.parameters())

    def apply_change(self, change: torch.Tensor) -> None:
        """Add an already decoded change to the replica (the in-process back-end decodes a broadcast once)."""
        add_to_params(self.model, change)

    # -- local work ------------------------------------------------------------------------------
    def gradient(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
        """Flat gradient of the local objective (Eq. 3: loss + λ/2‖ω‖²) on one batch, and the loss."""
        self.model.train()
        self.model.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        grad = flat_grad(self.model)
        if self.config.weight_decay:
            grad = grad + self.config.weight_decay * flat_params(self.model)
        return grad, loss.item()

    def compute_update(self, batch: tuple[torch.Tensor, torch.Tensor] | None = None) -> tuple[torch.Tensor, float]:
        """This round's update before compression, and the last batch loss.

        dsgd: one batch gradient (of ``batch`` when given: the vmap engine draws the batch first).
        fedavg: ``local_steps`` SGD steps from the global weights, then the model delta.
        """
        if self.config.mode == "dsgd":
            return self.gradient(*(batch if batch is not None else self.next_batch()))
        return self._local_sgd()

    def _local_sgd(self) -> tuple[torch.Tensor, float]:
        start = flat_params(self.model).clone()
        optimiser = torch.optim.SGD(self.model.parameters(), lr=self.config.lr, momentum=self.config.momentum,
                                    weight_decay=self.config.weight_decay)
        self.model.train()
        loss = torch.tensor(float("nan"))
        for _ in range(self.config.local_steps):
            x, y = self.next_batch()
            optimiser.zero_grad(set_to_none=True)
            loss = self.loss_fn(self.model(x), y)
            loss.backward()
            optimiser.step()
        delta = flat_params(self.model) - start
        set_flat_params(self.model, start)  # the replica moves only with the broadcast
        return delta, loss.item()

    def buffer_payload(self) -> bytes | None:
        """This worker's BatchNorm running statistics, dense fp32 (None for models without them)."""
        flat = flat_buffers(self.model)
        return None if flat is None else encode_dense(flat)

    # -- checkpointing ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"model": copy.deepcopy(self.model.state_dict()), "sampler": self.sampler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.sampler.load_state_dict(state["sampler"])


def apply_broadcast(workers: list[VirtualWorker], payload: bytes) -> None:
    """Apply one encoded broadcast to workers held in the same process: decoded once (checked by
    :func:`fedad.compression.codec.decode_for`, which raises :class:`CodecError` before any replica
    changes), added to each replica. :meth:`VirtualWorker.receive` is this for one worker."""
    if not workers:
        return
    change = decode_for(payload, workers[0].n_params).to_dense()
    for w in workers:
        w.apply_change(change)


def non_finite(worker_id: str, round_idx: int) -> FloatingPointError:
    """The failure of a worker whose update holds a NaN or an infinity (it is dropped from the round)."""
    return FloatingPointError(f"worker {worker_id}: non-finite update at round {round_idx}")


def failure_text(exc: BaseException) -> str:
    """How a dropped worker's failure is recorded."""
    return f"{type(exc).__name__}: {exc}"
