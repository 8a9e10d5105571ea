import pytest
import torch

from fedad.compression.clipping import clip_rows


def test_clipping_bounds_each_rows_norm_and_keeps_its_direction():
    g = torch.Generator().manual_seed(0)
    rows = torch.randn(6, 5000, generator=g) * torch.tensor([0.001, 0.01, 0.1, 1.0, 3.0, 30.0])[:, None]
    clipped = clip_rows(rows, 1.0)
    norms = clipped.norm(dim=1)
    assert bool((norms <= 1.0 + 1e-5).all())
    torch.testing.assert_close(clipped / norms[:, None], rows / rows.norm(dim=1, keepdim=True))
    small = rows.norm(dim=1) <= 1.0
    assert small.any() and torch.equal(clipped[small], rows[small])  # rows within the bound are untouched


def test_a_row_is_clipped_as_it_would_be_alone_and_none_is_no_clipping():
    g = torch.Generator().manual_seed(1)
    rows = torch.randn(4, 300, generator=g) * torch.tensor([0.1, 1.0, 5.0, 50.0])[:, None]
    for max_norm in (1.0, 10.0, 1e6):
        clipped = clip_rows(rows, max_norm)
        assert all(torch.equal(c, clip_rows(r[None], max_norm)[0]) for c, r in zip(clipped, rows, strict=True))
    assert clip_rows(rows, None) is rows
    with pytest.raises(ValueError):
        clip_rows(rows, 0.0)
