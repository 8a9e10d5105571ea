import pytest
import torch
from torch import nn
from torch.func import grad, vmap

from fedad.models.pooling import MaxPool1d


def _values_and_grad(pool: nn.Module, x: torch.Tensor, upstream_seed: int = 1):
    x = x.detach().clone().requires_grad_()
    out = pool(x)
    upstream = torch.randn(out.shape, generator=torch.Generator().manual_seed(upstream_seed))
    out.backward(upstream)
    return out.detach(), x.grad


@pytest.mark.parametrize("shape,k", [((4, 3, 16), 2), ((2, 5, 17), 2), ((3, 2, 20), 3), ((1, 1, 2), 2)])
def test_values_and_gradients_equal_torch_bit_for_bit(shape, k):
    g = torch.Generator().manual_seed(0)
    for x in (torch.randn(shape, generator=g),
              torch.randn(shape, generator=g).relu(),  # many ties at zero, as after the models' ReLU
              torch.randint(0, 3, shape, generator=g).float()):  # ties at every value
        ours, ours_grad = _values_and_grad(MaxPool1d(k), x)
        ref, ref_grad = _values_and_grad(nn.MaxPool1d(k), x)
        assert torch.equal(ours, ref)
        assert torch.equal(ours_grad, ref_grad)


def test_first_maximum_takes_the_gradient_of_a_tie():
    x = torch.tensor([[[1.0, 1.0, 0.0, 2.0]]], requires_grad=True)
    MaxPool1d(2)(x).sum().backward()
    assert x.grad.tolist() == [[[1.0, 0.0, 0.0, 1.0]]]


def test_other_settings_and_no_grad_fall_back_to_torch():
    x = torch.randn(2, 3, 11)
    for kwargs in ({"kernel_size": 3, "stride": 1}, {"kernel_size": 2, "padding": 1}, {"kernel_size": 2, "ceil_mode": True}):
        ours, ours_grad = _values_and_grad(MaxPool1d(**kwargs), x)
        ref, ref_grad = _values_and_grad(nn.MaxPool1d(**kwargs), x)
        assert torch.equal(ours, ref) and torch.equal(ours_grad, ref_grad)
    with torch.no_grad():
        assert torch.equal(MaxPool1d(2)(x), nn.MaxPool1d(2)(x))


def test_same_module_surface_as_torch():
    ours, ref = MaxPool1d(2), nn.MaxPool1d(2)
    assert isinstance(ours, nn.MaxPool1d)
    assert ours.extra_repr() == ref.extra_repr()
    assert ours.state_dict() == ref.state_dict() == {}


@pytest.mark.filterwarnings("ignore:.*batching rule")  # in-place scatter: correct, slower under vmap
def test_per_sample_gradients_under_vmap_match_torch():
    """The vmap engine differentiates the models under torch.func."""
    x = torch.randn(3, 2, 4, 12)

    def loss(pool):
        return lambda xi: (pool(xi) ** 2).sum()

    assert torch.equal(vmap(grad(loss(MaxPool1d(2))))(x), vmap(grad(loss(nn.MaxPool1d(2))))(x))
