import torch

from fedad.federated.flat import add_to_params, flat_buffers, flat_params, set_flat_buffers, set_flat_params


def test_flat_params_roundtrip_and_add():
    m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    v = flat_params(m)
    set_flat_params(m, torch.zeros_like(v))
    add_to_params(m, torch.ones_like(v))
    assert torch.equal(flat_params(m), torch.ones_like(v))


def test_float_buffers_skip_integer_counters():
    m = torch.nn.BatchNorm1d(3)
    assert flat_buffers(m).numel() == 6  # running mean + var, not num_batches_tracked
    set_flat_buffers(m, torch.arange(6.0))
    assert m.running_var.tolist() == [3.0, 4.0, 5.0]
