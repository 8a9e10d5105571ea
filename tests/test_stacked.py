import copy

import pytest
import torch

from fedad.federated.backends.inprocess import InProcessBackend
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.stacked import can_stack, finite_rows, pack_stacked, rows_finite
from fedad.federated.worker import VirtualWorker
from tests.fl_helpers import blob_task, cfg, mlp


def _workers(n: int = 4, **kw) -> list[VirtualWorker]:
    task = blob_task()
    return [VirtualWorker(f"w{k}", task.x_train, task.y_train, mlp(), task.loss, cfg(**kw), seed=k) for k in range(n)]


def _memory(w: VirtualWorker) -> dict:
    return {k: None if v is None else v.clone() for k, v in w.memory.state_dict().items()}


@pytest.mark.parametrize("kw", [
    {"memory": "momentum"},
    {"memory": "momentum", "factor_masking": True, "clip_norm": 0.5},
    {"memory": "residual", "clip_norm": 0.5, "clip_at": "gradient", "value_format": "fp16"},
    {"memory": "none", "value_format": "fp16", "rho": 1.0},
    {"memory": "momentum", "warmup_steps": 4, "rho": 1.0, "clip_norm": 1.0},
])
def test_stacked_pack_gives_every_worker_the_per_worker_bytes_and_memory_bit_for_bit(kw):
    one_by_one = _workers(**kw)
    stacked = copy.deepcopy(one_by_one)
    g = torch.Generator().manual_seed(0)
    for step in range(6):
        updates = [torch.randn(flat_params(one_by_one[0].model).numel(), generator=g) * (step + 1) for _ in one_by_one]
        assert can_stack(stacked)
        rows, finite = finite_rows(updates)
        assert all(finite)
        assert pack_stacked(stacked, rows) == [w.pack(u) for w, u in zip(one_by_one, updates, strict=True)]
        for a, b in zip(one_by_one, stacked, strict=True):
            assert a.step == b.step
            for (ka, va), (kb, vb) in zip(_memory(a).items(), _memory(b).items(), strict=True):
                assert ka == kb and ((va is None and vb is None) or torch.equal(va, vb))


def test_only_topk_workers_in_step_with_a_sparse_k_are_stacked():
    assert can_stack(_workers())
    assert not can_stack(_workers(n=1))
    for compressor in ("randomk", "qsgd", "none"):
        assert not can_stack(_workers(compressor=compressor))
    assert not can_stack(_workers(rho=100.0))
    behind = _workers()
    behind[0].step = 3
    assert not can_stack(behind)


def test_a_non_finite_row_is_found():
    _, finite = finite_rows([torch.ones(3), torch.tensor([1.0, float("inf"), 0.0]), torch.tensor([float("nan")] * 3)])
    assert finite == [True, False, False]


def test_rows_whose_sum_overflows_are_still_finite():
    big = torch.full((4,), 3e38)  # finite entries whose sum overflows to inf: the quick check must not drop them
    assert rows_finite(torch.stack([big, torch.ones(4), torch.tensor([1.0, -float("inf"), float("inf"), 0.0])])) \
        == [True, True, False]


@pytest.mark.parametrize("engine", ["loop", "threads"])
def test_trainer_with_the_stacked_pack_matches_the_per_worker_pack(engine):
    def run(stacked: bool) -> FederatedTrainer:
        config = cfg(rounds=5, engine=engine, clip_norm=1.0)
        trainer = FederatedTrainer(blob_task(), mlp, config, seed=0, backend=InProcessBackend(config, stacked=stacked))
        trainer.run(progress=False)
        return trainer

    a, b = run(False), run(True)
    assert torch.equal(flat_params(a.aggregator.model), flat_params(b.aggregator.model))
    assert [r["bytes_up"] for r in a.result.records] == [r["bytes_up"] for r in b.result.records]
    assert [r["loss"] for r in a.result.records] == [r["loss"] for r in b.result.records]


def test_checkpoint_of_stacked_memory_restores_each_worker():
    config = cfg(rounds=6)
    trainer = FederatedTrainer(blob_task(), mlp, config, seed=0)
    for r in range(3):
        trainer.run_round(r)
    state = copy.deepcopy(trainer.state_dict())
    resumed = FederatedTrainer(blob_task(), mlp, config, seed=0)
    resumed.load_state_dict(state)
    for r in range(3, 6):
        trainer.run_round(r)
        resumed.run_round(r)
    assert torch.equal(flat_params(trainer.aggregator.model), flat_params(resumed.aggregator.model))


def test_rows_left_by_the_last_stacked_pack_are_reused_without_a_copy():
    from fedad.federated.stacked import _stack_rows

    workers = _workers(memory="momentum")
    numel = flat_params(workers[0].model).numel()
    for _ in range(2):
        pack_stacked(workers, finite_rows([torch.randn(numel) for _ in workers])[0])
    rows = [w.memory.state_dict()["residual"] for w in workers]
    assert _stack_rows(rows).data_ptr() == rows[0].data_ptr()
    assert _stack_rows([r.clone() for r in rows]).data_ptr() != rows[0].data_ptr()  # loaded from a checkpoint
    assert torch.equal(_stack_rows([r.clone() for r in rows]), torch.stack(rows))
