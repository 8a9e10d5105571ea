"""One contract test over every implementation, as scikit-learn's ``check_estimator`` does for estimators:
each compressor and each memory that ``build_compressor`` / ``build_memory`` can make is held to what its
base class promises (fedad/compression/base.py, memory.py)."""

from __future__ import annotations

import pytest
import torch

from fedad.compression import build_compressor, build_memory
from fedad.compression.codec import decode, encode

COMPRESSORS = ["none", "topk", "randomk", "qsgd"]
MEMORIES = ["none", "residual", "momentum"]
N, P = 4, 500


def _rows(seed: int = 0) -> torch.Tensor:
    return torch.randn(N, P, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", COMPRESSORS)
def test_a_compressor_sends_one_well_formed_message_per_row(name):
    rows = _rows()
    messages = build_compressor(name, rho=2.0, seeds=range(N)).compress(rows, step=0)
    assert len(messages) == N
    for row, msg in zip(rows, messages, strict=True):
        assert msg.numel == P
        dense = msg.to_dense()
        assert dense.shape == (P,) and torch.isfinite(dense).all()
        if msg.indices is not None:
            idx = msg.indices.long()
            assert idx.ndim == 1 and len(idx) == msg.nnz and len(set(idx.tolist())) == len(idx)
            assert (idx >= 0).all() and (idx < P).all()
            outside = torch.ones(P, dtype=torch.bool)
            outside[idx] = False
            assert (dense[outside] == 0).all()  # nothing but the chosen entries
        assert torch.sign(dense[dense != 0]).eq(torch.sign(row[dense != 0])).all()  # no entry changes sign


@pytest.mark.parametrize("name", COMPRESSORS)
def test_a_compressors_message_survives_the_codec(name):
    for msg in build_compressor(name, rho=2.0, seeds=range(N)).compress(_rows(), step=0):
        back = decode(encode(msg))
        assert back.numel == msg.numel
        torch.testing.assert_close(back.to_dense(), msg.to_dense(), atol=2e-3 * float(msg.to_dense().abs().max()),
                                   rtol=0)


@pytest.mark.parametrize("name", COMPRESSORS)
def test_a_workers_choice_does_not_depend_on_who_else_takes_part(name):
    rows = _rows()
    alone = build_compressor(name, rho=2.0, seeds=range(N)).compress(rows[2:3], step=0, at=[2])[0]
    together = build_compressor(name, rho=2.0, seeds=range(N)).compress(rows, step=0)[2]
    torch.testing.assert_close(alone.to_dense(), together.to_dense(), atol=0, rtol=0)


@pytest.mark.parametrize("name", COMPRESSORS)
def test_a_compressor_restored_from_its_state_makes_the_same_choices(name):
    first = build_compressor(name, rho=2.0, seeds=range(N))
    first.compress(_rows(0), step=0)
    state = first.state_dict()
    again = build_compressor(name, rho=2.0, seeds=range(N))
    again.load_state_dict(state)
    for a, b in zip(first.compress(_rows(1), step=1), again.compress(_rows(1), step=1), strict=True):
        torch.testing.assert_close(a.to_dense(), b.to_dense(), atol=0, rtol=0)


def _one_round(memory, rows: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Compensate, send the k largest entries of each row, keep the rest; the compensated stack."""
    compensated = memory.compensate(rows)
    indices = compensated.abs().topk(k, dim=1).indices
    memory.update(compensated, indices, compensated.gather(1, indices))
    return compensated


@pytest.mark.parametrize("name", MEMORIES)
def test_a_memory_compensates_to_the_rows_shape_and_starts_from_nothing(name):
    memory = build_memory(name)
    rows = _rows()
    compensated = memory.compensate(rows)
    assert compensated.shape == rows.shape
    torch.testing.assert_close(compensated, rows)  # nothing kept back before the first round


@pytest.mark.parametrize("name", MEMORIES)
def test_a_memory_restored_from_its_state_compensates_alike(name):
    first = build_memory(name)
    _one_round(first, _rows(0))
    again = build_memory(name)
    again.load_state_dict({k: None if v is None else v.clone() for k, v in first.state_dict().items()})
    torch.testing.assert_close(first.compensate(_rows(1)), again.compensate(_rows(1)), atol=0, rtol=0)


@pytest.mark.parametrize("name", MEMORIES)
def test_a_memorys_rows_taken_out_and_put_back_change_nothing(name):
    memory = build_memory(name)
    _one_round(memory, _rows(0))
    before = memory.compensate(_rows(1)).clone()
    fresh = build_memory(name)
    _one_round(fresh, _rows(0))
    sub = fresh.rows([1, 3])
    fresh.put_rows([1, 3], sub, N)
    torch.testing.assert_close(fresh.compensate(_rows(1)), before, atol=0, rtol=0)
    torch.testing.assert_close(sub.compensate(_rows(1)[[1, 3]]), before[[1, 3]], atol=0, rtol=0)


def test_only_a_memory_keeps_back_what_was_not_sent():
    kept = {}
    for name in MEMORIES:
        memory = build_memory(name)
        _one_round(memory, _rows(0))
        kept[name] = float((memory.compensate(torch.zeros(N, P))).abs().sum())
    assert kept["none"] == 0 and kept["residual"] > 0 and kept["momentum"] > 0
