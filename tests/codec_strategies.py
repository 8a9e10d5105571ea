"""Hypothesis strategies for fedad update messages: valid sparse tensors, and the payloads a faulty or
hostile device could send instead (arbitrary bytes, bit flips, truncations, changed header fields).

Every property test that uses them runs with ``derandomize=True``: the same examples on every run, so a
failure in CI is a failure on every machine.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from fedad.compression.base import Compressed
from fedad.compression.codec import MAGIC, VALUE_FORMATS, VERSION, _read_varint, _varint, encode, encode_varints

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def sparse_messages(draw, numel: int | None = None, density: str = "any",
                    value_formats: tuple[str, ...] = tuple(VALUE_FORMATS)) -> Compressed:
    """A :class:`Compressed` message with sorted unique indices and finite values.

    ``density``: ``delta`` (few entries: the encoder picks gap varints), ``bitmap`` (over an eighth of the
    entries and not all: the encoder picks the bitmap), ``dense`` (every entry) or ``any``.
    """
    n = numel if numel is not None else draw(st.integers(min_value=1, max_value=2000))
    if density == "any":
        density = draw(st.sampled_from(["delta", "bitmap", "dense"]))
    if density == "delta":
        nnz = draw(st.integers(min_value=0, max_value=max(n // 32 - 1, 0)))
    elif density == "bitmap":
        n = max(n, 16)
        nnz = draw(st.integers(min_value=n // 8 + 1, max_value=n - 1))
    else:
        nnz = n
    seed = draw(st.integers(min_value=0, max_value=2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    idx = torch.sort(torch.randperm(n, generator=gen)[:nnz]).values
    # values on a drawn scale, with a few drawn ones (zeros, extremes) put in: drawing every value of a
    # long list one by one would make the test slow, not stronger
    values = torch.randn(nnz, generator=gen) * 10.0 ** draw(st.integers(min_value=-8, max_value=5))
    for pos, value in draw(st.lists(st.tuples(st.integers(min_value=0), FINITE), max_size=4)):
        if nnz:
            values[pos % nnz] = value
    fmt = draw(st.sampled_from(value_formats))
    if density == "dense":
        return Compressed(values, None, n, fmt)
    return Compressed(values, idx, n, fmt)


def header_fields(payload: bytes) -> tuple[int, int, int]:
    """(numel, nnz, position after nnz) of a well-formed payload."""
    numel, pos = _read_varint(payload, 5)
    nnz, pos = _read_varint(payload, pos)
    return numel, nnz, pos


def with_header(payload: bytes, numel: int | None = None, nnz: int | None = None) -> bytes:
    """The payload with its numel or nnz header field replaced (the rest byte for byte)."""
    old_numel, old_nnz, pos = header_fields(payload)
    numel = old_numel if numel is None else numel
    nnz = old_nnz if nnz is None else nnz
    return payload[:5] + _varint(numel) + _varint(nnz) + payload[pos:]


@st.composite
def corrupted(draw, payload: bytes) -> tuple[bytes, bool]:
    """A damaged copy of a valid ``payload`` and whether it is certainly invalid.

    Truncations and changed size fields are always invalid (the length must match the header exactly and
    the receiver knows the model's size); a bit flip may leave a valid message with other values, which
    the caller must then accept.
    """
    kind = draw(st.sampled_from(["truncate", "numel", "nnz", "bitflip", "codes"]))
    if kind == "truncate":
        cut = draw(st.integers(min_value=0, max_value=len(payload) - 1))
        return payload[:cut], True
    numel, nnz, _ = header_fields(payload)
    if kind == "numel":
        new = draw(st.integers(min_value=0, max_value=2**62).filter(lambda v: v != numel))
        return with_header(payload, numel=new), True
    if kind == "nnz":
        new = draw(st.integers(min_value=0, max_value=2**62).filter(lambda v: v != nnz))
        return with_header(payload, nnz=new), True
    if kind == "codes":
        pos = draw(st.sampled_from([2, 3, 4]))
        byte = draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != payload[pos]))
        return payload[:pos] + bytes([byte]) + payload[pos + 1 :], False
    flips = draw(st.lists(st.integers(min_value=0, max_value=8 * len(payload) - 1), min_size=1, max_size=4))
    data = bytearray(payload)
    for bit in flips:
        data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data), False


@st.composite
def hostile_payloads(draw, payload: bytes) -> tuple[bytes, bool]:
    """Arbitrary bytes (with or without fedad's magic in front) or a corrupted ``payload``; and whether
    it is certainly invalid."""
    kind = draw(st.sampled_from(["random", "prefixed", "corrupted"]))
    if kind == "random":
        blob = draw(st.binary(max_size=200))
        return blob, blob[:2] != MAGIC
    if kind == "prefixed":
        codes = bytes(draw(st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=2)))
        return MAGIC + bytes([VERSION]) + codes + draw(st.binary(max_size=200)), False
    return draw(corrupted(payload))


def random_update(numel: int, rho: float, seed: int, value_format: str = "fp32") -> bytes:
    """A valid top-ρ% upload of a random gradient."""
    from fedad.compression.topk import TopK

    g = torch.from_numpy(np.random.default_rng(seed).standard_normal(numel).astype(np.float32))
    return encode(TopK(rho, value_format).compress(g[None], 0)[0])


def handmade(index_format: int, value_format: int, numel: int, nnz: int, rest: bytes) -> bytes:
    """A message written by hand from its header fields (format codes, numel, nnz) and the bytes after."""
    return MAGIC + bytes([VERSION, index_format, value_format]) + _varint(numel) + _varint(nnz) + rest


def delta_indices(indices) -> bytes:
    """The delta index block (byte count, then gap varints) of ``indices``, unchecked."""
    gaps = encode_varints(np.diff(np.asarray(indices), prepend=-1) - 1)
    return _varint(len(gaps)) + gaps
