import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedad.compression.base import Compressed
from fedad.compression.codec import CodecError, decode, decode_varints, encode, encode_varints
from fedad.compression.qsgd import QSGD
from fedad.compression.topk import TopK
from tests.codec_strategies import corrupted, delta_indices, handmade, header_fields, sparse_messages


def test_varints_roundtrip_edge_values():
    values = np.array([0, 1, 127, 128, 16383, 16384, 2**32 - 1, 2**40])
    decoded, used = decode_varints(encode_varints(values) + b"\x05", len(values))
    assert decoded.tolist() == values.tolist() and used == len(encode_varints(values))


@pytest.mark.parametrize("rho", [0.1, 0.3, 5.0, 30.0])
def test_sparse_fp32_roundtrip_is_exact(rho):
    g = torch.randn(10_000)
    msg = TopK(rho, "fp32").compress(g[None], 0)[0]
    back = decode(encode(msg))
    assert torch.equal(back.indices, msg.indices) and torch.equal(back.values, msg.values)


def test_index_encoding_picks_the_smaller_of_delta_and_bitmap():
    g = torch.randn(10_000)
    sparse, dense_ish = encode(TopK(0.3, "fp32").compress(g[None], 0)[0]), encode(TopK(30, "fp32").compress(g[None], 0)[0])
    assert sparse[3] == 1 and dense_ish[3] == 2  # delta at 0.3 %, bitmap at 30 %


def test_fp16_values_are_scaled_so_tiny_values_survive():
    values = torch.tensor([1e-9, -3e-9, 2e-9])
    back = decode(encode(Compressed(values, torch.tensor([1, 5, 9]), 10, "fp16")))
    torch.testing.assert_close(back.values, values, rtol=1e-3, atol=0)


def test_q8_roundtrip_of_qsgd_values_is_exact():
    g = torch.randn(1000)
    msg = QSGD(seeds=[0]).compress(g[None], 0)[0]
    torch.testing.assert_close(decode(encode(msg)).values, msg.values, rtol=1e-6, atol=1e-7)
    assert len(encode(msg)) < 1000 + 20  # one byte per value plus the header


def test_dense_message_costs_four_bytes_per_value_plus_header():
    payload = encode(Compressed(torch.randn(1000), None, 1000, "fp32"))
    assert 4000 < len(payload) <= 4000 + 12


def test_compression_ratio_at_rho_0_3_on_the_mnist_cnn_is_at_least_300():
    numel = 18_378  # SimpleCNN on MNIST
    payload = encode(TopK(0.3, "fp16").compress(torch.randn(1, numel), 0)[0])
    assert 4 * numel / len(payload) >= 300  # dense fp32 bytes ÷ sent bytes


@pytest.mark.parametrize("blob", [b"", b"XX\x01\x00\x00", b"FD\x09\x00\x00\x01\x01", b"FD\x01\x07\x00\x01\x01"])
def test_malformed_bytes_raise_codec_error(blob):
    with pytest.raises(CodecError):
        decode(blob)


def test_truncated_message_is_rejected():
    payload = encode(TopK(1.0, "fp32").compress(torch.randn(1, 1000), 0)[0])
    with pytest.raises(CodecError):
        decode(payload[:-3])


def test_unsorted_indices_are_rejected():
    with pytest.raises(CodecError):
        encode(Compressed(torch.ones(2), torch.tensor([5, 2]), 10))


@pytest.mark.parametrize("fmt", ["fp32", "fp16"])
def test_encode_and_receive_equals_decoding_the_bytes(fmt):
    from fedad.compression.codec import encode_and_receive

    g = torch.randn(5000) * 1e-3
    for msg in (TopK(0.3, fmt).compress(g[None], 0)[0], TopK(20.0, fmt).compress(g[None], 0)[0], QSGD(seeds=[1]).compress(g[None], 0)[0],
                Compressed(g, None, g.numel(), "fp32")):
        payload, received = encode_and_receive(msg)
        decoded = decode(payload)
        assert payload == encode(msg)
        assert torch.equal(received, decoded.values)  # the values at the message's indices, in order
        if msg.indices is not None and decoded.indices is not None:
            assert torch.equal(msg.indices, decoded.indices)


@pytest.mark.parametrize("fmt", ["fp32", "fp16", "q8"])
def test_size_as_matches_a_real_encoding_in_every_value_format(fmt):
    from fedad.compression.codec import size_as

    flat = torch.randn(5000)
    idx = torch.sort(torch.randperm(5000)[:15]).values
    sizes = {f: len(encode(Compressed(flat[idx], idx, 5000, f))) for f in ("fp32", "fp16", "q8")}
    payload = encode(Compressed(flat[idx], idx, 5000, fmt))
    assert {f: size_as(payload, f) for f in sizes} == sizes


# -- a hostile sender: everything but a valid message raises CodecError --------------------------------

@pytest.mark.parametrize("name, payload", [
    # the three payloads that crashed a round before the decoder checked its header
    ("delta gaps past numel", handmade(1, 0, 1000, 2, delta_indices([0, 1_000_001]) + np.ones(2, "<f4").tobytes())),
    ("fp16 cut after nnz", handmade(1, 1, 1000, 2, b"")),
    ("nnz larger than numel", handmade(1, 0, 3, 5, b"\x00" * 5 + np.ones(5, "<f4").tobytes())),
    # and their neighbours
    ("q8 with a 2-byte scale", handmade(2, 2, 8, 1, b"\x00\x00")),
    ("bitmap count differs from nnz", handmade(2, 0, 8, 2, b"\x01" + np.ones(2, "<f4").tobytes())),
    ("bitmap bit past numel", handmade(2, 0, 4, 1, b"\x08" + np.ones(1, "<f4").tobytes())),
    ("index bytes past the message", handmade(1, 0, 100, 1, b"\x7f\x00" + np.ones(1, "<f4").tobytes())),
    ("index bytes not all used", handmade(1, 0, 100, 1, b"\x02\x00\x00" + np.ones(1, "<f4").tobytes())),
    ("dense with fewer values", handmade(0, 0, 4, 3, np.ones(3, "<f4").tobytes())),
    ("negative scale", handmade(0, 1, 1, 1, np.float32(-1).tobytes() + np.ones(1, "<f2").tobytes())),
    ("infinite scale", handmade(0, 1, 1, 1, np.float32(np.inf).tobytes() + np.ones(1, "<f2").tobytes())),
    ("header varint of 20 bytes", handmade(0, 0, 1, 1, b"") [:5] + b"\xff" * 20),
    ("a trillion entries with a bitmap", handmade(2, 0, 2**50, 1, b"\x80")),
    ("larger than any message of its size", handmade(0, 0, 1, 1, np.ones(40, "<f4").tobytes())),
])
def test_each_malformed_header_is_named_by_a_codec_error(name, payload):
    with pytest.raises(CodecError):
        decode(payload)


def test_a_message_for_another_size_is_refused_before_allocating_it():
    from fedad.compression.codec import decode_for

    payload = encode(Compressed(torch.ones(3), None, 3, "fp32"))
    with pytest.raises(CodecError, match="expected 5"):
        decode(payload, numel=5)
    with pytest.raises(CodecError, match="expected"):  # a bitmap header claiming 2**40 entries
        decode(handmade(2, 0, 2**40, 1, b"\x80" * 4), numel=3)
    with pytest.raises(CodecError, match="non-finite"):
        decode_for(encode(Compressed(torch.tensor([1.0, float("nan")]), None, 2, "fp32")), 2)
    assert torch.equal(decode_for(payload, 3).values, torch.ones(3))


def _assert_well_formed(msg: Compressed) -> None:
    """What a receiver relies on: as many values as indices, every index in range and increasing."""
    assert 0 <= msg.nnz <= msg.numel
    if msg.indices is not None:
        assert len(msg.indices) == msg.nnz
        if msg.nnz:
            assert int(msg.indices[0]) >= 0 and int(msg.indices[-1]) < msg.numel
            assert bool((msg.indices[1:] > msg.indices[:-1]).all())
    assert msg.to_dense().numel() == msg.numel


# Example counts: 400 arbitrary byte strings, 400 damaged valid messages, 300 round trips per index format.
@settings(max_examples=400, deadline=None, derandomize=True)
@given(blob=st.one_of(st.binary(max_size=300),
                      st.binary(max_size=300).map(lambda b: b"FD\x01" + b),
                      st.tuples(st.integers(0, 3), st.integers(0, 3), st.binary(max_size=300)).map(
                          lambda t: b"FD\x01" + bytes(t[:2]) + t[2])))
def test_decode_of_arbitrary_bytes_gives_a_message_or_a_codec_error(blob):
    try:
        msg = decode(blob)
    except CodecError:
        return
    _assert_well_formed(msg)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(data=st.data())
def test_decode_of_a_damaged_message_gives_a_message_or_a_codec_error(data):
    payload = encode(data.draw(sparse_messages()))
    damaged, certainly_invalid = data.draw(corrupted(payload))
    numel = header_fields(payload)[0]
    try:
        msg = decode(damaged, numel=numel)
    except CodecError:
        return
    assert not certainly_invalid, "a truncated or resized message was accepted"
    _assert_well_formed(msg)


@pytest.mark.parametrize("density, index_code", [("delta", 1), ("bitmap", 2), ("dense", 0)])
@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.data())
def test_encode_then_decode_is_exact_for_every_index_and_value_format(density, index_code, data):
    from fedad.compression.codec import encode_and_receive

    msg = data.draw(sparse_messages(density=density))
    payload, received = encode_and_receive(msg)
    back = decode(payload, numel=msg.numel)
    assert payload[3] == index_code and back.numel == msg.numel and back.value_format == msg.value_format
    if msg.indices is not None:
        assert torch.equal(back.indices, msg.indices)
    # the values a receiver gets: exactly the sent ones in fp32, exactly what the sender kept as
    # delivered in fp16 / q8 (the sender's memory keeps the rest)
    assert torch.equal(back.values, received)
    if msg.value_format == "fp32":
        assert torch.equal(back.values, msg.values)
