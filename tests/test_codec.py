import numpy as np
import pytest
import torch

from fedad.compression.base import Compressed
from fedad.compression.codec import CodecError, compression_ratio, decode, decode_varints, encode, encode_varints
from fedad.compression.qsgd import QSGD
from fedad.compression.topk import TopK


def test_varints_roundtrip_edge_values():
    values = np.array([0, 1, 127, 128, 16383, 16384, 2**32 - 1, 2**40])
    decoded, used = decode_varints(encode_varints(values) + b"\x05", len(values))
    assert decoded.tolist() == values.tolist() and used == len(encode_varints(values))


@pytest.mark.parametrize("rho", [0.1, 0.3, 5.0, 30.0])
def test_sparse_fp32_roundtrip_is_exact(rho):
    g = torch.randn(10_000)
    msg = TopK(rho, "fp32").compress(g, 0)
    back = decode(encode(msg))
    assert torch.equal(back.indices, msg.indices) and torch.equal(back.values, msg.values)


def test_index_encoding_picks_the_smaller_of_delta_and_bitmap():
    g = torch.randn(10_000)
    sparse, dense_ish = encode(TopK(0.3, "fp32").compress(g, 0)), encode(TopK(30, "fp32").compress(g, 0))
    assert sparse[3] == 1 and dense_ish[3] == 2  # delta at 0.3 %, bitmap at 30 %


def test_fp16_values_are_scaled_so_tiny_values_survive():
    values = torch.tensor([1e-9, -3e-9, 2e-9])
    back = decode(encode(Compressed(values, torch.tensor([1, 5, 9]), 10, "fp16")))
    torch.testing.assert_close(back.values, values, rtol=1e-3, atol=0)


def test_q8_roundtrip_of_qsgd_values_is_exact():
    g = torch.randn(1000)
    msg = QSGD(seed=0).compress(g, 0)
    torch.testing.assert_close(decode(encode(msg)).values, msg.values, rtol=1e-6, atol=1e-7)
    assert len(encode(msg)) < 1000 + 20  # one byte per value plus the header


def test_dense_message_costs_four_bytes_per_value_plus_header():
    payload = encode(Compressed(torch.randn(1000), None, 1000, "fp32"))
    assert 4000 < len(payload) <= 4000 + 12


def test_compression_ratio_at_rho_0_3_on_the_mnist_cnn_is_at_least_300():
    numel = 18_378  # SimpleCNN on MNIST
    payload = encode(TopK(0.3, "fp16").compress(torch.randn(numel), 0))
    assert compression_ratio(numel, len(payload)) >= 300


@pytest.mark.parametrize("blob", [b"", b"XX\x01\x00\x00", b"FD\x09\x00\x00\x01\x01", b"FD\x01\x07\x00\x01\x01"])
def test_malformed_bytes_raise_codec_error(blob):
    with pytest.raises(CodecError):
        decode(blob)


def test_truncated_message_is_rejected():
    payload = encode(TopK(1.0, "fp32").compress(torch.randn(1000), 0))
    with pytest.raises(CodecError):
        decode(payload[:-3])


def test_unsorted_indices_are_rejected():
    with pytest.raises(CodecError):
        encode(Compressed(torch.ones(2), torch.tensor([5, 2]), 10))


@pytest.mark.parametrize("fmt", ["fp32", "fp16"])
def test_encode_and_receive_equals_decoding_the_bytes(fmt):
    from fedad.compression.codec import encode_and_receive

    g = torch.randn(5000) * 1e-3
    for msg in (TopK(0.3, fmt).compress(g, 0), TopK(20.0, fmt).compress(g, 0), QSGD(seed=1).compress(g, 0),
                Compressed(g, None, g.numel(), "fp32")):
        payload, received = encode_and_receive(msg)
        assert payload == encode(msg)
        assert torch.equal(received, decode(payload).to_dense())


@pytest.mark.parametrize("fmt", ["fp32", "fp16", "q8"])
def test_size_as_matches_a_real_encoding_in_every_value_format(fmt):
    from fedad.compression.codec import size_as

    flat = torch.randn(5000)
    idx = torch.sort(torch.randperm(5000)[:15]).values
    sizes = {f: len(encode(Compressed(flat[idx], idx, 5000, f))) for f in ("fp32", "fp16", "q8")}
    payload = encode(Compressed(flat[idx], idx, 5000, fmt))
    assert {f: size_as(payload, f) for f in sizes} == sizes


def test_encode_and_receive_values_gives_the_decoded_values_at_the_indices():
    from fedad.compression.codec import encode_and_receive_values

    g = torch.randn(5000) * 1e-3
    for msg in (TopK(0.3, "fp16").compress(g, 0), TopK(20.0, "fp32").compress(g, 0)):
        payload, values = encode_and_receive_values(msg)
        decoded = decode(payload)
        assert payload == encode(msg)
        assert torch.equal(values, decoded.values) and torch.equal(msg.indices, decoded.indices)
    with pytest.raises(ValueError, match="sparse"):
        encode_and_receive_values(Compressed(g, None, g.numel(), "fp32"))
