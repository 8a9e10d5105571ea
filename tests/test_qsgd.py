import torch

from fedad.compression.qsgd import LEVELS, QSGD


def test_qsgd_is_unbiased_and_on_the_level_grid():
    g = torch.randn(200)
    q = QSGD(seeds=[0])
    mean = torch.stack([q.compress(g[None], i)[0].values for i in range(2000)]).mean(0)
    torch.testing.assert_close(mean, g, atol=0.03, rtol=0)
    (msg,) = q.compress(g[None], 0)
    levels = msg.values / msg.scale * LEVELS
    torch.testing.assert_close(levels, levels.round(), atol=1e-4, rtol=0)


def test_qsgd_of_zeros_is_zeros():
    (msg,) = QSGD(seeds=[0]).compress(torch.zeros(1, 5), 0)
    assert msg.scale == 0.0 and not msg.values.any()
