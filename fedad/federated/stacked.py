"""Algorithm 1's pack for all in-process workers at once: one check, one memory step, one clip and one
top-k over the stacked [N, P] updates, one host transfer, then each worker's bytes.

:meth:`VirtualWorker.pack` is the reference. The stacked pass runs the same float operations on each
row (the memory classes are elementwise, :func:`clip_rows` and :meth:`TopK.select_rows` match their
one-row forms), so every worker's bytes and memory equal the per-worker pack's bit for bit (tested).
Ten calls of a few dozen small ops each cost more than the arithmetic at these sizes: 0.5–0.9 ms per
worker on the MNIST CNN and AMCNN-LSTM (``make bench`` measures the share of a round).

It covers top-k with every memory and clip placement. Other compressors (random-k, QSGD, dense),
workers at different steps (one was dropped before) or a k that selects every entry go through the
per-worker pack: :func:`can_stack` says which. :func:`pack_round` adds what a back-end needs around it
(dropping non-finite updates, falling back to the per-worker pack), and :func:`local_round` is a round's
local work for workers held in one process, one after another.
"""

from __future__ import annotations

import logging
import time

import torch

from fedad.compression import build_memory
from fedad.compression.base import Compressed
from fedad.compression.clipping import clip_rows
from fedad.compression.codec import encode_and_receive_values
from fedad.compression.topk import TopK, k_for, warmup_rho
from fedad.federated.messages import UpdateMessage
from fedad.federated.worker import VirtualWorker, failure_text, non_finite, timed_local_work, timed_update

log = logging.getLogger(__name__)

Outcome = tuple[UpdateMessage | None, str | None]  # (message, None), or (None, why the worker is dropped)


def can_stack(workers: list[VirtualWorker]) -> bool:
    """True when :func:`pack_stacked` gives these workers the per-worker pack's result."""
    if len(workers) < 2 or not all(type(w.compressor) is TopK for w in workers):
        return False
    first = workers[0]
    if len({w.step for w in workers}) != 1 or len({type(w.memory) for w in workers}) != 1:
        return False
    numel = sum(p.numel() for p in first.model.parameters())
    top = first.compressor
    if k_for(numel, warmup_rho(top.rho, first.step, top.warmup_steps)) >= numel:
        return False  # every entry sent: the codec writes it densely
    states = [w.memory.state_dict() for w in workers]
    return all(len({v is None for v in (s[key] for s in states)}) == 1 for key in states[0])


def finite_rows(updates: list[torch.Tensor]) -> tuple[torch.Tensor, list[bool]]:
    """The updates stacked as fp32 on the CPU (one transfer from a GPU) and which rows are finite."""
    rows = torch.stack([u.detach() for u in updates]).to("cpu", torch.float32)
    return rows, rows_finite(rows)


def rows_finite(rows: torch.Tensor) -> list[bool]:
    """Whether each row of a [N, P] stack holds only finite values.

    A row's sum is finite only if every entry is (a NaN or an infinity makes it NaN or infinite), so one
    reduction settles the usual case; only rows whose sum is not finite (a bad entry, or finite values
    that overflow when summed) get the elementwise check, which reads the stack four times."""
    ok = torch.isfinite(rows.sum(dim=1))
    if bool(ok.all()):
        return ok.tolist()
    return torch.isfinite(rows).all(dim=1).tolist()


def pack_stacked(workers: list[VirtualWorker], rows: torch.Tensor) -> list[bytes]:
    """Every worker's :meth:`VirtualWorker.pack` of its row of ``rows`` ([N, P] fp32), in one pass.

    Memory is read from the workers and written back only at the end, so an error leaves them as they
    were (the caller may then pack worker by worker)."""
    config = workers[0].config
    memory = build_memory(config.memory, config.momentum, config.factor_masking)
    states = [w.memory.state_dict() for w in workers]
    memory.load_state_dict({key: None if states[0][key] is None else _stack_rows([s[key] for s in states])
                            for key in states[0]})
    if config.clip_at == "gradient":
        rows = clip_rows(rows, config.clip_norm)
    compensated = memory.compensate(rows)
    if config.clip_at == "accumulated":
        compensated = clip_rows(compensated, config.clip_norm)
    top: TopK = workers[0].compressor
    values, indices = top.select_rows(compensated, workers[0].step)
    numel = rows.shape[1]
    payloads, received = [], []
    for v, i in zip(values, indices, strict=True):
        payload, got = encode_and_receive_values(Compressed(v, i, numel, top.value_format))
        payloads.append(payload)
        received.append(got)
    memory.update_at(compensated, indices, torch.stack(received))
    stacked = memory.state_dict()
    for n, w in enumerate(workers):
        w.memory.load_state_dict({key: None if value is None else value[n] for key, value in stacked.items()})
        w.step += 1
    return payloads


def _stack_rows(rows: list[torch.Tensor]) -> torch.Tensor:
    """The rows as one [N, P] tensor: the stack they are views of when the last stacked pack wrote them
    (no copy; the memory classes never write in place), else a new stack."""
    base = rows[0]._base
    if (base is not None and base.dim() == 2 and base.shape[0] == len(rows) and base.is_contiguous()
            and all(r._base is base and r.data_ptr() == base[n].data_ptr() for n, r in enumerate(rows))):
        return base
    return torch.stack(rows)


def pack_round(workers: list[VirtualWorker], updates: list, round_idx: int) -> list[Outcome]:
    """Each worker's message from its :func:`timed_update` result: updates that failed or are not finite
    drop their worker; the rest are packed in one :func:`pack_stacked` pass (its time shared equally),
    or worker by worker when fewer than two remain or the stacked pass raises."""
    outcomes: list[Outcome] = [(None, failure) for _, failure in updates]
    live = [n for n, (done, _) in enumerate(updates) if done is not None]
    if not live:
        return outcomes
    start = time.perf_counter()
    rows, finite = finite_rows([updates[n][0][0] for n in live])
    for n, ok in zip(live, finite, strict=True):
        if not ok:
            outcomes[n] = (None, failure_text(non_finite(workers[n].id, round_idx)))
    keep = [j for j, ok in enumerate(finite) if ok]
    live = [live[j] for j in keep]
    # what can_stack checked (same step, compressor and memory kind) holds for any subset of the
    # workers, so dropping the non-finite ones leaves a stackable group if two remain
    if len(live) >= 2:
        try:
            payloads = pack_stacked([workers[n] for n in live], rows if len(keep) == len(rows) else rows[keep])
        except Exception as exc:  # noqa: BLE001 — memory is untouched: pack worker by worker instead
            log.warning("round %d: stacked pack failed (%s); packing worker by worker", round_idx, failure_text(exc))
        else:
            share = (time.perf_counter() - start) / len(live)
            for n, payload in zip(live, payloads, strict=True):
                _, loss, seconds = updates[n][0]
                outcomes[n] = (workers[n].message(round_idx, payload, loss, seconds + share), None)
            return outcomes
    for j, n in zip(keep, live, strict=True):  # what is left cannot be stacked: each worker packs its own
        _, loss, seconds = updates[n][0]
        try:
            begin = time.perf_counter()
            payload = workers[n].pack(rows[j])
            outcomes[n] = (workers[n].message(round_idx, payload, loss, seconds + time.perf_counter() - begin), None)
        except Exception as exc:  # noqa: BLE001 — any worker failure must not stop the round
            outcomes[n] = (None, failure_text(exc))
    return outcomes


def local_round(workers: list[VirtualWorker], round_idx: int, stacked: bool = True) -> list[Outcome]:
    """One round's local work of workers held in this process, one after another: their updates, then
    one stacked pack where :func:`can_stack` allows (``stacked``), else each worker's own pack."""
    if not (stacked and can_stack(workers)):
        return [timed_local_work(w, round_idx) for w in workers]
    return pack_round(workers, [timed_update(w, round_idx) for w in workers], round_idx)
