"""(values, indices) <-> bytes: the only place where communication is counted.

Layout of one message (all integers little-endian)::

    b"FD" | version:u8 | index_format:u8 | value_format:u8 | numel:varint | nnz:varint
          | [scale:f32 if value_format is fp16 or q8] | [index_bytes:varint if index_format is delta]
          | indices | values

Index formats: ``dense`` (none: every entry in order), ``delta`` (first index, then gaps − 1, as LEB128
varints: ~2 bytes per index at ρ = 0.3 %), ``bitmap`` (one bit per entry: smaller above ρ ≈ 6 %). The
encoder picks the smallest. Value formats: ``fp32``; ``fp16`` scaled by max|v| so that no value
overflows or underflows; ``q8`` int8 levels of ``scale/127``. The compression ratio is dense fp32
bytes ÷ these bytes (larger is better).

The decoder treats its input as hostile (a device's upload crosses a network): every header field is
checked before it is used, what it allocates is bounded by the message's own length (a bitmap unpacks to
one byte per bit) and by the expected tensor size when the caller gives it, and any malformed input
raises :class:`CodecError`, nothing else.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import torch

from fedad.compression.base import Compressed
from fedad.compression.formats import Q8_LEVELS, VALUE_FORMATS

MAGIC = b"FD"
VERSION = 1
INDEX_FORMATS = {"dense": 0, "delta": 1, "bitmap": 2}


_INDEX_NAMES = {v: k for k, v in INDEX_FORMATS.items()}
_VALUE_NAMES = {f.code: name for name, f in VALUE_FORMATS.items()}
# A varint of up to 9 bytes holds 63 bits, so every decoded integer fits an int64.
MAX_VARINT_BYTES = 9
# Larger than any model this package trains by far, small enough that an index sum cannot wrap int64.
MAX_NUMEL = 1 << 40


class CodecError(ValueError):
    """Bytes that are not a fedad update message."""


def encode_varints(values: np.ndarray) -> bytes:
    """LEB128 unsigned varints of a non-negative integer array, vectorised."""
    a = np.asarray(values, dtype=np.uint64)
    if a.size == 0:
        return b""
    nbytes = np.ones(a.shape, dtype=np.int64)
    big = a >= np.uint64(1 << 7)
    if big.any():  # most gaps fit one or two bytes: count the rest only when needed
        for j in range(1, 10):
            above = a >= np.uint64(1 << (7 * j))
            if not above.any():
                break
            nbytes += above
    out = np.empty(int(nbytes.sum()), dtype=np.uint8)
    pos = np.concatenate([[0], np.cumsum(nbytes)[:-1]])
    for j in range(int(nbytes.max())):
        sel = nbytes > j
        byte = (a[sel] >> np.uint64(7 * j)) & np.uint64(0x7F)
        cont = (nbytes[sel] > j + 1).astype(np.uint64) << np.uint64(7)
        out[pos[sel] + j] = (byte | cont).astype(np.uint8)
    return out.tobytes()


def decode_varints(buf: bytes, count: int) -> tuple[np.ndarray, int]:
    """Read ``count`` varints from the start of ``buf``; return them and the bytes consumed.

    A varint of more than :data:`MAX_VARINT_BYTES` bytes raises :class:`CodecError`: its shift would run
    past 64 bits and wrap silently.
    """
    if count == 0:
        return np.zeros(0, dtype=np.int64), 0
    b = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(b < 0x80)
    if len(ends) < count:
        raise CodecError(f"truncated varints: wanted {count}, found {len(ends)}")
    ends = ends[:count]
    used = int(ends[-1]) + 1
    starts = np.concatenate([[0], ends[:-1] + 1])
    if int((ends - starts).max()) >= MAX_VARINT_BYTES:
        raise CodecError(f"varint longer than {MAX_VARINT_BYTES} bytes")
    group = np.repeat(np.arange(count), ends - starts + 1)
    shift = ((np.arange(used) - starts[group]) * 7).astype(np.uint64)
    contrib = (b[:used] & 0x7F).astype(np.uint64) << shift
    return np.add.reduceat(contrib, starts).astype(np.int64), used


def _varint(n: int) -> bytes:
    """One unsigned LEB128 varint (scalar path: the header needs no NumPy call)."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Read one header varint at ``pos``; return (value, position after it)."""
    value = shift = 0
    for _ in range(MAX_VARINT_BYTES):
        if pos >= len(data):
            raise CodecError("truncated varint in header")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise CodecError(f"header varint longer than {MAX_VARINT_BYTES} bytes")


def _encode_indices(idx: np.ndarray, numel: int) -> tuple[int, bytes]:
    delta = encode_varints(np.diff(idx, prepend=-1) - 1)
    bitmap_len = (numel + 7) // 8
    if len(delta) + len(_varint(len(delta))) <= bitmap_len:
        return INDEX_FORMATS["delta"], _varint(len(delta)) + delta
    mask = np.zeros(numel, dtype=bool)
    mask[idx] = True
    return INDEX_FORMATS["bitmap"], np.packbits(mask).tobytes()


def _quantise(msg: Compressed) -> tuple[float | None, np.ndarray]:
    """The stored form of the values: (scale or None, fp32 / fp16 / int8 array)."""
    v = msg.values.detach().to("cpu", torch.float32).numpy()
    if msg.value_format == "fp32":
        return None, v.astype("<f4")
    if msg.value_format == "fp16":
        scale = float(np.float32(np.abs(v).max())) if v.size else 0.0
        return scale, (v / scale if scale > 0 else v).astype("<f2")
    scale = float(np.float32(msg.scale if msg.scale is not None else (np.abs(v).max() if v.size else 0.0)))
    levels = np.rint(v / scale * Q8_LEVELS) if scale > 0 else np.zeros_like(v)
    return scale, np.clip(levels, -Q8_LEVELS, Q8_LEVELS).astype(np.int8)


def _reconstruct(stored: np.ndarray, value_format: str, scale: float | None) -> np.ndarray:
    """The fp32 values a receiver gets back from the stored form (shared by encoder and decoder)."""
    if value_format == "fp32":
        return stored.astype(np.float32)
    if value_format == "fp16":
        return stored.astype(np.float32) * np.float32(scale if scale > 0 else 1.0)
    return stored.astype(np.float32) * np.float32(scale / Q8_LEVELS)


def encode(msg: Compressed) -> bytes:
    """Serialise a compressed message to bytes (see the module docstring for the layout)."""
    return encode_and_receive(msg)[0]


def encode_and_receive(msg: Compressed) -> tuple[bytes, torch.Tensor]:
    """The bytes of a message and the fp32 values a receiver decodes from them, in one pass: the values
    at ``msg.indices`` in their order (every entry when the message is dense).

    A worker needs them to keep in its memory exactly what was not delivered; computing them here spares
    it a full decode. They equal the decoded message's values bit for bit (tested).
    """
    return _encode(msg)


def _encode(msg: Compressed) -> tuple[bytes, torch.Tensor]:
    """(bytes, the fp32 values received)."""
    if msg.indices is None or msg.nnz == msg.numel:
        index_format, index_bytes = INDEX_FORMATS["dense"], b""
        if msg.indices is not None:  # every entry chosen: send densely, in order
            msg = Compressed(msg.to_dense(), None, msg.numel, msg.value_format, msg.scale)
    else:
        idx = msg.indices.detach().cpu().numpy().astype(np.int64)
        if idx.size and (np.any(np.diff(idx) <= 0) or idx[0] < 0 or idx[-1] >= msg.numel):
            raise CodecError("indices must be strictly increasing and inside the tensor")
        index_format, index_bytes = _encode_indices(idx, msg.numel)
    scale, stored = _quantise(msg)
    scale_bytes = b"" if scale is None else struct.pack("<f", scale)
    header = MAGIC + bytes([VERSION, index_format, VALUE_FORMATS[msg.value_format].code])
    payload = header + _varint(msg.numel) + _varint(msg.nnz) + scale_bytes + index_bytes + stored.tobytes()
    return payload, torch.from_numpy(_reconstruct(stored, msg.value_format, scale))


def decode(data: bytes, numel: int | None = None) -> Compressed:
    """Parse bytes made by :func:`encode` back into a :class:`Compressed` message (values as fp32).

    With ``numel`` the message must be for a tensor of exactly that many entries, checked before
    anything of the header's size is allocated. Every field is validated before use: formats known, a
    scale present, finite and non-negative where the value format has one, ``nnz ≤ numel``, index bytes
    inside the message and consumed exactly, every index in ``[0, numel)`` and strictly increasing, the
    bitmap's set bits equal to ``nnz``, and the values filling the rest exactly. Anything else raises
    :class:`CodecError`.
    """
    data = bytes(data)
    if len(data) < 5 or data[:2] != MAGIC:
        raise CodecError("not a fedad message (bad magic)")
    if data[2] != VERSION:
        raise CodecError(f"unsupported message version {data[2]}")
    index_format, value_format = _INDEX_NAMES.get(data[3]), _VALUE_NAMES.get(data[4])
    if index_format is None or value_format is None:
        raise CodecError(f"unknown index/value format codes {data[3]}/{data[4]}")
    n, pos = _read_varint(data, 5)
    if numel is not None and n != numel:
        raise CodecError(f"message is for {n} entries, expected {numel}")
    if n > MAX_NUMEL:
        raise CodecError(f"message claims {n} entries, more than the {MAX_NUMEL} any model here has")
    nnz, pos = _read_varint(data, pos)
    if nnz > n:
        raise CodecError(f"{nnz} values for a tensor of {n} entries")
    if index_format == "dense" and nnz != n:
        raise CodecError(f"dense message with {nnz} values for {n} entries")
    width = VALUE_FORMATS[value_format].width
    # a valid message is never larger than its bitmap plus dense values after the header: refuse
    # anything larger before reading further
    if len(data) - pos > 4 + 9 + (n + 7) // 8 + width * n:
        raise CodecError(f"{len(data)} bytes is more than any message for {n} entries")
    scale = None
    if VALUE_FORMATS[value_format].scaled:
        if len(data) - pos < 4:
            raise CodecError(f"{value_format} message without its scale")
        (scale,) = struct.unpack_from("<f", data, pos)
        pos += 4
        if not math.isfinite(scale) or scale < 0:
            raise CodecError(f"invalid scale {scale}")
    indices = None
    if index_format == "delta":
        nbytes, pos = _read_varint(data, pos)
        if nbytes > len(data) - pos or nnz > nbytes:
            raise CodecError(f"{nbytes} index bytes for {nnz} indices in a message of {len(data)} bytes")
        gaps, used = decode_varints(data[pos : pos + nbytes], nnz)
        if used != nbytes:
            raise CodecError(f"{nbytes} index bytes announced, {used} used by {nnz} indices")
        # the float sum bounds the integer one, so the cumulative sum below cannot wrap
        if nnz and (int(gaps.max()) >= n or float(gaps.astype(np.float64).sum()) + nnz > n + 1):
            raise CodecError(f"indices run past the tensor's {n} entries")
        idx = np.cumsum(gaps + 1) - 1
        if nnz and int(idx[-1]) >= n:
            raise CodecError(f"index {int(idx[-1])} outside a tensor of {n} entries")
        indices = torch.from_numpy(idx.astype(np.int64))
        pos += nbytes
    elif index_format == "bitmap":
        nb = (n + 7) // 8
        if nb > len(data) - pos:
            raise CodecError(f"bitmap of {nb} bytes in a message of {len(data)} bytes")
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8, count=nb, offset=pos))
        if bits[n:].any():
            raise CodecError(f"bitmap marks entries past the tensor's {n}")
        idx = np.flatnonzero(bits[:n]).astype(np.int64)
        if len(idx) != nnz:
            raise CodecError(f"bitmap marks {len(idx)} entries, header says {nnz}")
        indices = torch.from_numpy(idx)
        pos += nb
    if len(data) - pos != nnz * width:
        raise CodecError(f"message length mismatch: {len(data) - pos} value bytes for {nnz} values")
    stored = np.frombuffer(data, dtype=VALUE_FORMATS[value_format].dtype, offset=pos)
    values = _reconstruct(stored, value_format, scale)
    return Compressed(torch.from_numpy(values.copy()), indices, n, value_format, scale)


def decode_for(data: bytes, numel: int) -> Compressed:
    """Decode a message for a tensor of ``numel`` entries that will be added to a model: :func:`decode`
    with the size fixed, and every value finite. What the aggregator accepts from a worker and a worker
    from the aggregator; raises :class:`CodecError`."""
    message = decode(data, numel)
    if not torch.isfinite(message.values).all():
        raise CodecError("non-finite values")
    return message


def size_as(data: bytes, value_format: str) -> int:
    """Bytes the same message would take with its values stored as ``value_format`` (same indices).

    Reads the header only. REPORT.md uses it to state one run's compression with fp32 values (the
    paper's format) beside the fp16 values fedad sends.
    """
    if len(data) < 5 or data[:2] != MAGIC:
        raise CodecError("not a fedad message (bad magic)")
    current = _VALUE_NAMES.get(data[4])
    if current is None or value_format not in VALUE_FORMATS:
        raise CodecError(f"unknown value format {value_format!r} / code {data[4]}")
    _, pos = _read_varint(data, 5)
    nnz, _ = _read_varint(data, pos)
    new, old = VALUE_FORMATS[value_format], VALUE_FORMATS[current]
    return len(data) + nnz * (new.width - old.width) + 4 * (new.scaled - old.scaled)  # the fp32 scale: 4 bytes


def encode_dense(flat: torch.Tensor) -> bytes:
    """A whole flat tensor as dense fp32 (initial weights, BatchNorm statistics, uncompressed changes)."""
    flat = flat.detach().to("cpu", torch.float32)
    return encode(Compressed(flat, None, flat.numel(), "fp32"))
