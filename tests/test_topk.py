import math

import pytest
import torch

from fedad.compression.topk import TopK, k_for, warmup_rho


@pytest.mark.parametrize("numel,rho", [(1000, 0.3), (18_378, 0.3), (50, 0.1), (7, 100.0), (12345, 1.0)])
def test_sends_ceil_rho_percent_entries(numel, rho):
    (msg,) = TopK(rho).compress(torch.randn(1, numel), 0)
    assert msg.nnz == max(1, math.ceil(numel * rho / 100))


def test_sends_the_largest_magnitudes():
    g = torch.tensor([0.1, -5.0, 0.2, 3.0, -0.3])
    (msg,) = TopK(40.0, "fp32").compress(g[None], 0)
    assert msg.indices.tolist() == [1, 3] and msg.values.tolist() == [-5.0, 3.0]


def test_rho_out_of_range_is_rejected():
    with pytest.raises(ValueError):
        k_for(10, 0.0)
    with pytest.raises(ValueError):
        TopK(150.0)


def test_warmup_shrinks_rho_exponentially_to_the_target():
    schedule = [warmup_rho(0.3, s, 100) for s in (0, 30, 60, 99, 100)]
    assert schedule[0] == 25.0 and schedule[-1] == 0.3
    assert schedule[0] > schedule[1] > schedule[2] > schedule[3] == schedule[4]


def test_each_row_selects_what_it_would_alone():
    g = torch.Generator().manual_seed(0)
    rows = torch.randn(5, 3000, generator=g)
    rows[1] = torch.randint(-2, 3, (3000,), generator=g).float()  # ties at the threshold
    top = TopK(1.0, warmup_steps=8)
    for step in (0, 5, 20):
        for msg, r in zip(top.compress(rows, step), rows, strict=True):
            (alone,) = top.compress(r[None], step)
            assert torch.equal(msg.indices, alone.indices) and torch.equal(msg.values, alone.values)
            assert msg.nnz == k_for(3000, warmup_rho(1.0, step, 8))
    with pytest.raises(ValueError, match="one worker per row"):
        top.compress(rows[0], 0)
