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


def test_add_to_params_still_reaches_the_parameters_after_they_are_set_loaded_or_moved():
    # add_to_params lists a model's parameters once; setting, loading and .to() must not leave it adding to
    # tensors the model no longer reads
    m = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    v = flat_params(m)
    add_to_params(m, torch.ones_like(v))
    set_flat_params(m, torch.zeros_like(v))
    add_to_params(m, torch.ones_like(v))
    assert torch.equal(flat_params(m), torch.ones_like(v))
    m.load_state_dict({k: torch.full_like(t, 2.0) for k, t in m.state_dict().items()})
    m.to(torch.float32)
    add_to_params(m, torch.ones_like(v))
    assert torch.equal(flat_params(m), torch.full_like(v, 3.0))
    hidden = 3 * 3.0 + 3.0  # every weight and bias is 3 after the last addition
    assert torch.equal(m(torch.ones(1, 3)).detach(), torch.tensor([[2 * 3.0 * hidden + 3.0]]))
