import torch

from fedad.compression.randomk import RandomK


def test_randomk_sends_k_distinct_sorted_entries_repeatably():
    g = torch.randn(1000)
    (a,), (b,) = RandomK(1.0, seeds=[3]).compress(g[None], 0), RandomK(1.0, seeds=[3]).compress(g[None], 0)
    assert a.nnz == 10 and torch.equal(a.indices, b.indices)
    assert torch.equal(a.indices, torch.unique(a.indices))
    assert torch.equal(a.values, g[a.indices])


def test_each_worker_draws_from_its_own_stream_whoever_else_takes_part():
    rows = torch.randn(3, 500)
    together = RandomK(2.0, seeds=[1, 2, 3]).compress(rows, 0)
    alone = RandomK(2.0, seeds=[1, 2, 3]).compress(rows[2:], 0, at=[2])
    assert torch.equal(together[2].indices, alone[0].indices)
    assert not torch.equal(together[0].indices, together[1].indices)
