"""CloudAggregator: holds the global model, decodes and averages the workers' encoded updates.

It never holds a sample: its inputs are :class:`UpdateMessage` objects (bytes and scalars). PySyft 0.2
analogue: the "central" party that ``get()``s the workers' updates and averages them.
"""

from __future__ import annotations

import logging
import time

import torch
from torch import nn

from fedad.compression.base import Compressed
from fedad.compression.codec import CodecError, decode, decode_for, encode, encode_and_receive, encode_dense
from fedad.compression.memory import ResidualMemory
from fedad.compression.topk import TopK
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import add_to_params, flat_buffers, flat_params, set_flat_buffers
from fedad.federated.messages import Broadcast, UpdateMessage

log = logging.getLogger(__name__)


class CloudAggregator:
    """Global model + the server side of Algorithm 1 (dsgd, Eq. 12) or FedAvg (Eq. 4)."""

    def __init__(self, model: nn.Module, config: FederatedConfig):
        self.model = model
        self.config = config
        self.n_params = sum(p.numel() for p in model.parameters())
        self.velocity: torch.Tensor | None = None  # server momentum when workers do not correct it
        # two-way sparsification: the aggregator's own top-k and residual, the workers' contracts on one row
        self.downlink = TopK(config.downlink_rho, config.value_format) if config.downlink_rho < 100 else None
        self.downlink_memory = ResidualMemory()
        self.last_aggregate_s = 0.0

    @property
    def server_momentum(self) -> float:
        return self.config.momentum if self.config.mode == "dsgd" and self.config.memory != "momentum" else 0.0

    def initial_state(self) -> bytes:
        """The full global weights, dense fp32: what a worker downloads once when it joins."""
        return encode_dense(flat_params(self.model))

    def decode_update(self, message: UpdateMessage) -> torch.Tensor:
        """Decode and validate one upload into a dense tensor; raise ValueError on a malformed update, one
        for another model size, or one with non-finite values."""
        return self._decode_checked(message).to_dense()

    def _decode_checked(self, message: UpdateMessage) -> Compressed:
        """Decode and validate one upload, kept sparse (only the entries sent need checking)."""
        if not isinstance(message, UpdateMessage) or not isinstance(message.payload, bytes):
            raise TypeError(f"the aggregator accepts only UpdateMessage with bytes, got {type(message).__name__}")
        try:
            return decode_for(message.payload, self.n_params)
        except CodecError as exc:
            raise ValueError(f"worker {message.worker_id}: rejected update ({exc})") from None

    def aggregate(self, messages: list[UpdateMessage], round_idx: int) -> tuple[Broadcast | None, list[tuple[str, str]]]:
        """Average the valid updates, step the global model and return the broadcast of the change.

        Invalid updates are dropped with a warning; returns (broadcast or None if nothing was valid,
        [(worker id, reason) for each dropped update]).
        """
        start = time.perf_counter()
        dropped, updates, weights = [], [], []
        for m in messages:
            try:
                updates.append(self._decode_checked(m))
                weights.append(float(m.n_samples) if self.config.weighting == "samples" else 1.0)
            except ValueError as exc:
                log.warning("round %d: dropping %s: %s", round_idx, m.worker_id, exc)
                dropped.append((m.worker_id, str(exc)))
        if not updates:
            self.last_aggregate_s = time.perf_counter() - start
            return None, dropped
        w = torch.tensor(weights) / sum(weights)
        # weighted sum, worker after worker, touching only the entries sent: the same float sums in the
        # same order as stacking the dense updates and summing over workers (tested bit for bit)
        mean = torch.zeros(self.n_params)
        for update, wi in zip(updates, w, strict=True):
            if update.indices is None:
                mean += update.values.to(torch.float32) * wi
            else:
                mean.index_add_(0, update.indices, update.values.to(torch.float32) * wi)
        if self.config.mode == "dsgd":
            if self.server_momentum:
                self.velocity = mean if self.velocity is None else self.server_momentum * self.velocity + mean
                mean = self.velocity
            delta = -self.config.lr * mean
        else:
            delta = mean
        payload = self._encode_change(delta)
        add_to_params(self.model, decode(payload).to_dense())  # apply exactly what the workers receive
        self.last_aggregate_s = time.perf_counter() - start
        return Broadcast(round_idx, payload), dropped

    def _encode_change(self, delta: torch.Tensor) -> bytes:
        """The broadcast: the union of the workers' entries (dense when uncompressed), or — with
        ``downlink_rho`` < 100, two-way sparsification — the top entries of the aggregator's own residual
        (the change accumulated and not yet sent), which keeps the rest for later rounds."""
        if self.downlink is not None:
            compensated = self.downlink_memory.compensate(delta[None])
            msg = self.downlink.compress(compensated, step=0)[0]
            payload, received = encode_and_receive(msg)
            self.downlink_memory.update(compensated, msg.indices[None], received[None])
            return payload
        if not self.config.compresses:
            return encode_dense(delta)
        idx = torch.nonzero(delta, as_tuple=True)[0]
        fmt = self.config.value_format if self.config.compressor != "qsgd" else "fp16"
        return encode(Compressed(delta[idx], idx, delta.numel(), fmt))

    def sync_buffers(self, payloads: list[bytes]) -> None:
        """Average the workers' BatchNorm statistics into the global model (for evaluation). A payload
        that is malformed, of another size or non-finite is left out with a warning."""
        flat = flat_buffers(self.model)
        if flat is None or not payloads:
            return
        valid = []
        for k, p in enumerate(payloads):
            try:
                valid.append(decode_for(p, flat.numel()).to_dense())
            except CodecError as exc:
                log.warning("leaving out BatchNorm statistics %d of %d: %s", k + 1, len(payloads), exc)
        if valid:
            set_flat_buffers(self.model, torch.stack(valid).mean(0))

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "velocity": self.velocity, "residual": self.residual}

    @property
    def residual(self) -> torch.Tensor | None:
        """Two-way sparsification: the change accumulated and not yet broadcast ([P]; None before any)."""
        kept = self.downlink_memory.residual
        return None if kept is None else kept[0]

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.velocity = state["velocity"]
        kept = state.get("residual")
        self.downlink_memory.load_state_dict({"residual": None if kept is None else kept[None]})
