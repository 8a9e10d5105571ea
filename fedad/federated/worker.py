"""VirtualWorker: an edge device holding a private partition, a model replica and compression state.

PySyft 0.2 vocabulary, because many users learned federated learning from it: a ``VirtualWorker`` with
an id like "alice" holds data that never leaves it (PySyft's pointers to remote tensors); the global
model is *sent* to it (``receive`` ≈ ``model.send(worker)``) and only an update comes back (``get``).
Unlike PySyft 0.2, what comes back is bytes: the encoded, compressed update.
"""

from __future__ import annotations

import copy
import dataclasses
import time

import torch
from torch import nn

from fedad.compression import build_compressor, build_memory, clip_by_norm
from fedad.compression.codec import CodecError, decode_for, encode_and_receive, encode_dense
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import add_to_params, flat_buffers, flat_grad, flat_params, set_flat_params
from fedad.federated.messages import Broadcast, UpdateMessage

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
    """One edge device. Public surface: :meth:`receive`, :meth:`local_work` (→ :class:`UpdateMessage`)."""

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
        self.compressor = build_compressor(config.compressor, config.rho, config.value_format, seed,
                                           config.warmup_steps)
        self.memory = build_memory(config.memory, config.momentum, config.factor_masking)
        self.step = 0
        self.last_loss = float("nan")

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
            change = decode_for(broadcast.payload, self.n_params).to_dense()
        except CodecError as exc:
            raise CodecError(f"worker {self.id}: rejected the broadcast of round {broadcast.round} ({exc})") from None
        self.apply_change(change)

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

    def local_work(self, round_idx: int, grad: torch.Tensor | None = None, loss: float | None = None) -> UpdateMessage:
        """Run this round's local computation and return the encoded update.

        dsgd: one batch gradient (or the one the batched engine computed for this worker, ``grad``).
        fedavg: ``local_steps`` SGD steps from the global weights, then the model delta.
        """
        start = time.perf_counter()
        update, loss = self.compute_update(round_idx, grad, loss)
        payload = self.pack(update)
        return self.message(round_idx, payload, loss, time.perf_counter() - start)

    def compute_update(self, round_idx: int, grad: torch.Tensor | None = None, loss: float | None = None,
                       check: bool = True) -> tuple[torch.Tensor, float]:
        """This round's update before compression (see :meth:`local_work`) and the batch loss. With
        ``check`` a non-finite update raises; the stacked pack checks all workers' updates at once."""
        if self.config.mode == "dsgd":
            if grad is None:
                grad, loss = self.gradient(*self.next_batch())
            update = grad
        else:
            update, loss = self._local_sgd()
        if check and not torch.isfinite(update).all():
            raise non_finite(self.id, round_idx)
        return update, float(loss)

    def message(self, round_idx: int, payload: bytes, loss: float, compute_s: float) -> UpdateMessage:
        """The upload of an encoded update (and this worker's loss, kept for its own record)."""
        self.last_loss = float(loss)
        return UpdateMessage(self.id, round_idx, payload, self.n_samples, float(loss), compute_s)

    def pack(self, update: torch.Tensor) -> bytes:
        """Algorithm 1 on one worker: accumulate (memory) → clip → select → encode; keep what is unsent.

        The clip sits where ``config.clip_at`` says: on the accumulated buffer (Algorithm 1) or on the new
        gradient before accumulation (DGC).
        """
        update = update.detach().to(torch.float32).cpu()
        if self.config.clip_at == "gradient":
            update = clip_by_norm(update, self.config.clip_norm)
        compensated = self.memory.compensate(update)
        if self.config.clip_at == "accumulated":
            compensated = clip_by_norm(compensated, self.config.clip_norm)
        payload, sent = encode_and_receive(self.compressor.compress(compensated, self.step))  # sent: what arrives
        self.memory.update(compensated, sent, sent != 0)
        self.step += 1
        return payload

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
        comp_rng = getattr(self.compressor, "generator", None)
        return {"model": copy.deepcopy(self.model.state_dict()), "memory": self.memory.state_dict(),
                "sampler": self.sampler.state_dict(), "step": self.step,
                "compressor_rng": comp_rng.get_state() if comp_rng is not None else None}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.memory.load_state_dict(state["memory"])
        self.sampler.load_state_dict(state["sampler"])
        self.step = state["step"]
        if state["compressor_rng"] is not None:
            self.compressor.generator.set_state(state["compressor_rng"])


def apply_broadcast(workers: list[VirtualWorker], payload: bytes) -> None:
    """Apply one encoded broadcast to workers held in the same process: decoded once, added to each
    replica (what :meth:`VirtualWorker.receive` does for one worker)."""
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


def timed_local_work(w: VirtualWorker, round_idx: int, grad: torch.Tensor | None = None, loss: float | None = None,
                     shared_s: float = 0.0) -> tuple[UpdateMessage | None, str | None]:
    """One worker's local work timed by the back-end that runs it: (message, None), or (None, failure) so
    that a failing worker is dropped from the round, not the run. ``shared_s`` adds this worker's share of
    work done for all of them at once (the vmap pass)."""
    try:
        start = time.perf_counter()
        msg = w.local_work(round_idx, grad, loss)
        # the back-end's clock, not the worker's own report, decides about stragglers
        return dataclasses.replace(msg, compute_s=time.perf_counter() - start + shared_s), None
    except Exception as exc:  # noqa: BLE001 — any worker failure must not stop the round
        return None, failure_text(exc)


def timed_update(w: VirtualWorker, round_idx: int, grad: torch.Tensor | None = None, loss: float | None = None,
                 shared_s: float = 0.0) -> tuple[tuple[torch.Tensor, float, float] | None, str | None]:
    """:func:`timed_local_work` up to the update, unchecked and not yet packed (the stacked pack does both
    for all workers): ((update, loss, seconds), None) or (None, failure)."""
    try:
        start = time.perf_counter()
        update, loss = w.compute_update(round_idx, grad, loss, check=False)
        return (update, loss, time.perf_counter() - start + shared_s), None
    except Exception as exc:  # noqa: BLE001 — any worker failure must not stop the round
        return None, failure_text(exc)
