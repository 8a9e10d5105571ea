"""Algorithm 1 (the gradient compression mechanism, PAPER.md §2) on the device side, written once.

Every engine and back-end packs the workers' updates here, as one [N, P] stack with a row per worker;
a worker on its own device (syft, Flower) is N = 1. For each row, at the worker's optimiser step t:

1. accumulate: the update joins what the worker kept back, g ← g_{t−1} + update (the memory's
   ``compensate``; with momentum correction, step 4, the velocity u ← m·u + update is accumulated
   instead, Eqs. 13–16);
2. clip the accumulated buffer to ``clip_norm`` (``clip_at="accumulated"``; with
   ``clip_at="gradient"`` the update is clipped before step 1, as Deep Gradient Compression does);
3. select the entries with |g| ≥ Thr, the top ρ % (the compressor), and encode them (the codec);
   keep the rest, minus what the receiver decodes, for later rounds (the memory's ``update``).

Step 5, summing the sparse updates and the SGD step, is the aggregator's
(:class:`fedad.federated.aggregator.CloudAggregator`). A row that is not finite is not packed: its
worker is dropped from the round and its memory and step stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fedad.compression import build_compressor, build_memory
from fedad.compression.clipping import clip_rows
from fedad.compression.codec import encode_and_receive
from fedad.federated.config import FederatedConfig


class Algorithm1:
    """The compression state of N workers (memory rows, each worker's step and random stream) and the
    one pass that turns their updates into bytes."""

    def __init__(self, config: FederatedConfig, seeds: Sequence[int]):
        if not seeds:
            raise ValueError("Algorithm1 needs at least one worker (one seed per worker)")
        self.config = config
        self.compressor = build_compressor(config.compressor, config.rho, config.value_format, seeds,
                                           config.warmup_steps)
        self.memory = build_memory(config.memory, config.momentum, config.factor_masking)
        self.steps = [0] * len(seeds)

    @property
    def n_workers(self) -> int:
        return len(self.steps)

    def pack(self, rows: torch.Tensor, at: Sequence[int] | None = None) -> list[bytes | None]:
        """The encoded update of each row of ``rows`` ([n, P]): row i is worker ``at[i]``'s update (default:
        worker i). A row with a NaN or an infinity gives None and leaves its worker's state untouched.

        Rows are packed in one pass per optimiser step (workers dropped in an earlier round are behind);
        every row gets the same float operations as it would alone, so a worker's bytes do not depend on
        which others took part.
        """
        at = list(range(len(rows))) if at is None else list(at)
        if rows.dim() != 2 or len(at) != len(rows):
            raise ValueError(f"pack takes an [n, P] stack and one worker per row; got {tuple(rows.shape)} for "
                             f"{len(at)} workers")
        rows = rows.detach().to("cpu", torch.float32)  # one host transfer for all rows
        payloads: list[bytes | None] = [None] * len(at)
        by_step: dict[int, list[int]] = {}
        for i, ok in enumerate(rows_finite(rows)):
            if ok:
                by_step.setdefault(self.steps[at[i]], []).append(i)
        for step, positions in by_step.items():
            group = rows if len(positions) == len(rows) else rows[positions]
            for i, payload in zip(positions, self._pack_group(group, [at[i] for i in positions], step), strict=True):
                payloads[i] = payload
        return payloads

    def _pack_group(self, rows: torch.Tensor, workers: list[int], step: int) -> list[bytes]:
        """Steps 1–3 for workers at the same optimiser step."""
        everyone = workers == list(range(self.n_workers))
        memory = self.memory if everyone else self.memory.rows(workers)
        cfg = self.config
        if cfg.clip_at == "gradient":
            rows = clip_rows(rows, cfg.clip_norm)
        compensated = memory.compensate(rows)
        if cfg.clip_at == "accumulated":
            compensated = clip_rows(compensated, cfg.clip_norm)
        messages = self.compressor.compress(compensated, step, workers)
        encoded = [encode_and_receive(m) for m in messages]
        sparse = messages[0].indices is not None and messages[0].nnz < messages[0].numel
        indices = torch.stack([m.indices for m in messages]) if sparse else None
        memory.update(compensated, indices, torch.stack([received for _, received in encoded]))
        if not everyone:
            self.memory.put_rows(workers, memory, self.n_workers)
        for n in workers:
            self.steps[n] += 1
        return [payload for payload, _ in encoded]

    def state_dict(self) -> dict:
        return {"memory": self.memory.state_dict(), "steps": list(self.steps),
                "compressor": self.compressor.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        if len(state["steps"]) != self.n_workers:
            raise ValueError(f"a checkpoint of {len(state['steps'])} workers cannot restore {self.n_workers}")
        self.memory.load_state_dict(state["memory"])
        self.steps = list(state["steps"])
        self.compressor.load_state_dict(state["compressor"])


def rows_finite(rows: torch.Tensor) -> list[bool]:
    """Whether each row of a [N, P] stack holds only finite values.

    A row's sum is finite only if every entry is (a NaN or an infinity makes it NaN or infinite), so one
    reduction settles the usual case; only rows whose sum is not finite (a bad entry, or finite values
    that overflow when summed) get the elementwise check."""
    ok = torch.isfinite(rows.sum(dim=1))
    if bool(ok.all()):
        return ok.tolist()
    return torch.isfinite(rows).all(dim=1).tolist()
