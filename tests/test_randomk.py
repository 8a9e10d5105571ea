import torch

from fedad.compression.randomk import RandomK


def test_randomk_sends_k_distinct_sorted_entries_repeatably():
    g = torch.randn(1000)
    a, b = RandomK(1.0, seed=3).compress(g, 0), RandomK(1.0, seed=3).compress(g, 0)
    assert a.nnz == 10 and torch.equal(a.indices, b.indices)
    assert torch.equal(a.indices, torch.unique(a.indices))
    assert torch.equal(a.values, g[a.indices])
