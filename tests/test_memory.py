import torch

from fedad.compression.codec import decode, encode_and_receive
from fedad.compression.memory import MomentumCorrection, NoMemory, ResidualMemory
from fedad.compression.topk import TopK


def _run(memory, steps=30, numel=500, fmt="fp16"):
    torch.manual_seed(0)
    comp = TopK(1.0, fmt)
    grads, sent_total = [], torch.zeros(1, numel)
    for s in range(steps):
        g = torch.randn(1, numel)
        grads.append(g)
        v = memory.compensate(g)
        (msg,) = comp.compress(v, s)
        payload, received = encode_and_receive(msg)
        memory.update(v, msg.indices[None], received[None])
        sent_total += decode(payload).to_dense()
    return grads, sent_total


def test_residual_memory_loses_nothing():
    mem = ResidualMemory()
    grads, sent = _run(mem)
    torch.testing.assert_close(sent + mem.residual, torch.stack(grads).sum(0), atol=1e-4, rtol=1e-5)


def test_momentum_correction_accumulates_velocity_and_loses_nothing():
    mem = MomentumCorrection(0.9)
    grads, sent = _run(mem)
    u, total = torch.zeros(1, 500), torch.zeros(1, 500)
    for g in grads:
        u = 0.9 * u + g
        total += u
    torch.testing.assert_close(sent + mem.residual, total, atol=1e-4, rtol=1e-5)


def test_sent_coordinates_are_reset_up_to_codec_rounding():
    mem = ResidualMemory()
    v = mem.compensate(torch.tensor([[10.0, 0.1, -8.0, 0.2]]))
    (msg,) = TopK(50.0, "fp32").compress(v, 0)
    mem.update(v, msg.indices[None], encode_and_receive(msg)[1][None])
    torch.testing.assert_close(mem.residual, torch.tensor([[0.0, 0.1, 0.0, 0.2]]))


def test_momentum_factor_masking_resets_velocity_at_sent_entries():
    mem = MomentumCorrection(0.9, factor_masking=True)
    v = mem.compensate(torch.tensor([[1.0, 2.0]]))
    mem.update(v, torch.tensor([[1]]), torch.tensor([[2.0]]))
    assert mem.velocity.tolist() == [[1.0, 0.0]]
    mem.update(mem.compensate(torch.tensor([[1.0, 2.0]])), None, torch.tensor([[0.0, 3.0]]))  # every entry sent
    assert mem.velocity[0, 1] == 0.0 and mem.velocity[0, 0] > 1.8  # received as 0: its velocity stays


def test_no_memory_forgets():
    mem = NoMemory()
    g = torch.ones(3)
    assert mem.compensate(g) is g and mem.state_dict() == {}


def test_updating_from_the_sent_entries_equals_subtracting_the_dense_sent_bit_for_bit():
    torch.manual_seed(1)
    rows = torch.randn(3, 40)
    rows[0, 5] = -0.0  # a negative zero left unsent must stay negative
    indices = torch.sort(torch.topk(rows.abs(), 6, dim=1).indices, dim=1).values
    received = rows.gather(1, indices).half().float()
    received[1, 2] = 0.0  # a value received as 0: factor masking leaves its velocity alone
    sent = torch.zeros_like(rows).scatter_(1, indices, received)
    for make in (ResidualMemory, lambda: MomentumCorrection(0.9), lambda: MomentumCorrection(0.9, True)):
        dense, sparse = make(), make()
        for mem in (dense, sparse):
            mem.compensate(torch.randn(3, 40, generator=torch.Generator().manual_seed(2)))
        comp_dense, comp_sparse = dense.compensate(rows), sparse.compensate(rows)
        dense.update(comp_dense, None, sent)
        sparse.update(comp_sparse, indices, received)
        for key, value in dense.state_dict().items():
            other = sparse.state_dict()[key]
            assert torch.equal(value, other) and torch.equal(value.signbit(), other.signbit()), key


def test_a_subset_of_rows_is_compensated_and_written_back_without_touching_the_others():
    mem = ResidualMemory()
    mem.compensate(torch.ones(3, 4))
    sub = mem.rows([2])
    sub.update(sub.compensate(torch.full((1, 4), 2.0)), None, torch.zeros(1, 4))
    mem.put_rows([2], sub, 3)
    assert mem.residual.tolist() == [[1.0] * 4, [1.0] * 4, [3.0] * 4]
    fresh = ResidualMemory()  # rows never compensated start from zeros when another row is written
    sub = fresh.rows([1])
    sub.compensate(torch.ones(1, 2))
    fresh.put_rows([1], sub, 3)
    assert fresh.residual.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
