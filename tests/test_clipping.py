import pytest
import torch

from fedad.compression.clipping import clip_by_norm


def test_clipping_bounds_the_norm_and_keeps_direction():
    g = torch.randn(1000) * 50
    c = clip_by_norm(g, 1.0)
    assert c.norm() <= 1.0 + 1e-5
    torch.testing.assert_close(c / c.norm(), g / g.norm())


def test_small_gradients_and_none_are_untouched():
    g = torch.tensor([0.1, 0.2])
    assert torch.equal(clip_by_norm(g, 10.0), g) and clip_by_norm(g, None) is g
    with pytest.raises(ValueError):
        clip_by_norm(g, 0.0)


def test_clip_rows_equals_clipping_each_row_bit_for_bit():
    from fedad.compression.clipping import clip_rows

    g = torch.Generator().manual_seed(0)
    rows = torch.randn(6, 5000, generator=g) * torch.tensor([0.001, 0.01, 0.1, 1.0, 3.0, 30.0])[:, None]
    for max_norm in (1.0, 10.0, 1e6, None):
        clipped = clip_rows(rows, max_norm)
        assert all(torch.equal(c, clip_by_norm(r, max_norm)) for c, r in zip(clipped, rows, strict=True))
    with pytest.raises(ValueError):
        clip_rows(rows, -1.0)
