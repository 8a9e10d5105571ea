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
