"""Max-pooling over time with the same values and gradients as ``nn.MaxPool1d``, at a lower cost.

In training, ``nn.MaxPool1d`` calls ATen's ``max_pool2d_with_indices``, whose CPU kernel is much slower
than the same pooling without indices (``make bench`` times the models that use it).
:class:`MaxPool1d` pools without indices in the forward pass and finds each window's winner only in
the backward pass, with one comparison per extra element of the window. The first maximum wins a tie,
as in ATen, so forward values and input gradients are bit for bit those of ``nn.MaxPool1d`` (tested);
only a NaN in a window may route its gradient elsewhere, and a non-finite update is rejected anyway.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class _NonOverlappingMaxPool1d(torch.autograd.Function):
    """Windows of ``k`` steps, stride ``k``, no padding: a trailing remainder shorter than ``k`` is dropped."""

    generate_vmap_rule = True  # the vmap engine differentiates the models under torch.func

    @staticmethod
    def forward(x: torch.Tensor, k: int) -> torch.Tensor:
        return F.max_pool1d(x, k)

    @staticmethod
    def setup_context(ctx, inputs: tuple[torch.Tensor, int], output: torch.Tensor) -> None:
        ctx.save_for_backward(inputs[0])
        ctx.k = inputs[1]

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        k = ctx.k
        n = x.shape[-1] // k
        windows = x[..., : n * k].unflatten(-1, (n, k))
        best, winner = windows[..., 0], None
        for j in range(1, k):  # strictly greater: the first maximum keeps a tie
            greater = windows[..., j] > best
            winner = greater.long() if winner is None else winner.masked_fill(greater, j)
            if j + 1 < k:
                best = torch.maximum(best, windows[..., j])
        out = torch.zeros_like(windows, dtype=grad.dtype).scatter_(-1, winner.unsqueeze(-1), grad.unsqueeze(-1))
        out = out.flatten(-2)
        return (out if x.shape[-1] == n * k else F.pad(out, (0, x.shape[-1] - n * k))), None


class MaxPool1d(nn.MaxPool1d):
    """``nn.MaxPool1d`` (same arguments, repr and state dict) with a cheaper backward for the windows the
    models use: kernel = stride, no padding, dilation 1, floor mode. Other settings fall back to torch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.kernel_size
        simple = (self.stride == k and self.padding == 0 and self.dilation == 1 and not self.ceil_mode
                  and not self.return_indices and isinstance(k, int))
        if simple and torch.is_grad_enabled() and x.requires_grad:
            return _NonOverlappingMaxPool1d.apply(x, k)
        return super().forward(x)
