"""A model's parameters and BatchNorm statistics as one flat vector (what the codec compresses)."""

from __future__ import annotations

import weakref

import torch
from torch import nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def flat_params(model: nn.Module) -> torch.Tensor:
    return parameters_to_vector(model.parameters()).detach()


def set_flat_params(model: nn.Module, flat: torch.Tensor) -> None:
    vector_to_parameters(flat, model.parameters())


# A model's parameter tensors and their sizes, listed once per model: a broadcast adds to every replica each
# round, and walking the module tree each time cost more than the addition. A built model keeps its parameter
# tensors (loading weights, set_flat_params and .to() change what they hold, not which tensors they are).
_LAYOUT: weakref.WeakKeyDictionary[nn.Module, tuple[list[torch.Tensor], list[int]]] = weakref.WeakKeyDictionary()


def add_to_params(model: nn.Module, delta: torch.Tensor) -> None:
    """Add a flat change to the parameters in place (one fused call: a broadcast touches every replica)."""
    layout = _LAYOUT.get(model)
    if layout is None:
        params = list(model.parameters())
        layout = _LAYOUT[model] = (params, [p.numel() for p in params])
    params, sizes = layout
    chunks = torch.split(delta, sizes)
    with torch.no_grad():
        torch._foreach_add_(params, [c.view_as(p).to(p.device) for c, p in zip(chunks, params, strict=True)])


def flat_grad(model: nn.Module) -> torch.Tensor:
    return torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                      for p in model.parameters()])


def float_buffers(model: nn.Module) -> list[torch.Tensor]:
    """Float buffers (BatchNorm running mean / var); integer counters are local bookkeeping."""
    return [b for b in model.buffers() if b.is_floating_point()]


def flat_buffers(model: nn.Module) -> torch.Tensor | None:
    bufs = float_buffers(model)
    return torch.cat([b.reshape(-1) for b in bufs]).detach() if bufs else None


def set_flat_buffers(model: nn.Module, flat: torch.Tensor) -> None:
    with torch.no_grad():
        offset = 0
        for b in float_buffers(model):
            n = b.numel()
            b.copy_(flat[offset : offset + n].view_as(b))
            offset += n
