import pytest
import torch

from fedad.compression import build_compressor, build_memory
from fedad.compression.base import Compressed, NoCompression


def test_no_compression_sends_everything_as_fp32():
    g = torch.randn(10)
    (msg,) = NoCompression().compress(g[None], 0)
    assert msg.indices is None and msg.value_format == "fp32" and torch.equal(msg.to_dense(), g)


def test_to_dense_places_values_at_indices():
    msg = Compressed(torch.tensor([1.0, 2.0]), torch.tensor([0, 3]), 5)
    assert msg.to_dense().tolist() == [1.0, 0.0, 0.0, 2.0, 0.0]


def test_factories_map_rho_100_to_no_compression_and_reject_unknown_names():
    assert isinstance(build_compressor("topk", rho=100), NoCompression)
    with pytest.raises(KeyError):
        build_compressor("gzip")
    with pytest.raises(KeyError):
        build_memory("lstm")
    with pytest.raises(ValueError):
        Compressed(torch.ones(3), None, 5)
