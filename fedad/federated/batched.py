"""Per-worker gradients in one pass: ``torch.func.vmap`` over the workers' stacked batches.

In dsgd mode every worker computes its gradient at the same global weights, so the N backward passes
can run as one vectorised computation. Each worker keeps its own result (for its own top-k) and its own
BatchNorm statistics (buffers are stacked per worker and updated in place). The per-worker loop in
:meth:`VirtualWorker.gradient` is the reference; tests check both agree.
"""

from __future__ import annotations

import warnings

import torch
from torch.func import functional_call, grad_and_value, vmap

from fedad.federated.worker import VirtualWorker


def vmap_gradients(workers: list[VirtualWorker], batches: list[tuple[torch.Tensor, torch.Tensor]]
                   ) -> tuple[list[torch.Tensor], list[float]]:
    """Flat gradients and losses of every worker's batch at the shared weights, in one vmap call."""
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
    return list(flat.unbind(0)), losses.detach().cpu().tolist()  # one host transfer for all workers
