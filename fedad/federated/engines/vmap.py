"""The ``vmap`` engine: every worker's gradient in one ``torch.func.vmap`` pass over the stacked batches.

In dsgd mode every worker computes its gradient at the same global weights, so the N backward passes
can run as one vectorised computation (the engine a GPU gets). Each worker keeps its own BatchNorm
statistics (buffers are stacked per worker and written back). The serial engine is the reference;
tests check both agree.
"""

from __future__ import annotations

import time
import warnings

import torch
from torch.func import functional_call, grad_and_value, vmap

from fedad.federated.engines.engine import Engine, LocalUpdates, timed_update
from fedad.federated.worker import VirtualWorker


class VmapEngine(Engine):
    name = "vmap"

    def updates(self, round_idx: int) -> LocalUpdates:
        """One vmap pass, its time charged to the workers in equal shares. Workers whose batches differ
        in size cannot be stacked: they go one after another for this round."""
        start = time.perf_counter()
        batches = [w.next_batch() for w in self.workers]
        if len({len(b[0]) for b in batches}) == 1:
            try:
                rows, losses = vmap_gradients(self.workers, batches)
            except Exception:  # noqa: BLE001, S110 — find out below which worker fails, one after another
                pass
            else:
                n = len(self.workers)
                return LocalUpdates(rows, list(range(n)), losses, [(time.perf_counter() - start) / n] * n)
        return LocalUpdates.gather([timed_update(w, b) for w, b in zip(self.workers, batches, strict=True)])


def vmap_gradients(workers: list[VirtualWorker], batches: list[tuple[torch.Tensor, torch.Tensor]]
                   ) -> tuple[torch.Tensor, list[float]]:
    """Flat gradients ([N, P]) and losses of every worker's batch at the shared weights, in one vmap call."""
    template = workers[0].model
    template.train()
    params = {k: v.detach() for k, v in template.named_parameters()}
    names = [k for k, _ in template.named_buffers()]
    buffers = {k: torch.stack([dict(w.model.named_buffers())[k] for w in workers]) for k in names}
    xs = torch.stack([b[0] for b in batches])
    ys = torch.stack([b[1] for b in batches])
    loss_fn = workers[0].loss_fn

    def loss(p, b, x, y):
        return loss_fn(functional_call(template, (p, b), (x,)), y)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*batching rule.*")
        grads, losses = vmap(grad_and_value(loss), in_dims=(None, 0, 0, 0), randomness="different")(
            params, buffers, xs, ys)
    with torch.no_grad():
        for k in names:
            for i, w in enumerate(workers):
                dict(w.model.named_buffers())[k].copy_(buffers[k][i])
    flat = torch.cat([grads[k].reshape(len(workers), -1) for k in params], dim=1)
    wd = workers[0].config.weight_decay
    if wd:
        flat = flat + wd * torch.cat([v.reshape(-1) for v in params.values()])[None]
    return flat, losses.detach().cpu().tolist()  # one host transfer for all workers
