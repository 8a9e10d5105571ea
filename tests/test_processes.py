"""The ``processes`` engine: workers in child processes give the serial engine's numbers, drop failing workers,
report BatchNorm statistics, checkpoint through their handles, and stop with the trainer's back-end."""

import torch
from torch import nn

from fedad.federated.engines.processes import ChildWorker
from fedad.federated.flat import flat_buffers, flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.worker import VirtualWorker
from tests.fl_helpers import blob_task, cfg


def bn_mlp(dims: int = 8, classes: int = 3) -> nn.Module:
    return nn.Sequential(nn.Linear(dims, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, classes))


class Unplugged(VirtualWorker):
    """Module level, so that a child process can unpickle it: bob fails in round 1 (his second update)."""

    calls = 0

    def compute_update(self, batch=None):
        self.calls += 1
        if self.id == "bob" and self.calls == 2:
            raise RuntimeError("device unplugged")
        return super().compute_update(batch)


def _trainer(engine: str, **kw) -> FederatedTrainer:
    return FederatedTrainer(blob_task(), bn_mlp, cfg(engine=engine, buffer_sync="round", **kw), seed=0, device="cpu")


def test_processes_engine_gives_the_serial_engines_weights_bytes_and_statistics():
    loop, procs = _trainer("serial", rounds=4), _trainer("processes", rounds=4)
    try:
        assert procs.backend.round_engine == "processes"
        assert all(isinstance(w, ChildWorker) for w in procs.workers)
        assert [w.id for w in procs.workers] == [w.id for w in loop.workers]
        threads, aggregate = [], procs.aggregator.aggregate
        procs.aggregator.aggregate = lambda *a: threads.append(torch.get_num_threads()) or aggregate(*a)
        loop.run(progress=False)
        procs.run(progress=False)
        assert threads == [1] * 4  # the parent aggregates on one thread (ProcessesEngine.round_scope)
        assert torch.allclose(flat_params(loop.aggregator.model), flat_params(procs.aggregator.model), atol=1e-6)
        assert torch.allclose(flat_buffers(loop.aggregator.model), flat_buffers(procs.aggregator.model), atol=1e-6)
        assert [r["bytes_up"] for r in loop.result.records] == [r["bytes_up"] for r in procs.result.records]
        assert procs.replicas_in_sync(atol=1e-6)
        # checkpointing goes through the handles to the children and back
        state = procs.state_dict()
        assert state["workers"][1]["sampler"]["pos"] == loop.workers[1].sampler.pos
        state["workers"][1]["sampler"]["pos"] = 0
        procs.load_state_dict(state)
        assert procs.workers[1].state_dict()["sampler"]["pos"] == 0
    finally:
        procs.backend.close()
    assert not procs.backend.engine.procs


def test_children_compile_their_replicas_and_give_the_eager_serial_numbers_to_float_rounding():
    loop, procs = _trainer("serial", rounds=3), _trainer("processes", rounds=3, compile=True)
    try:
        assert procs.backend.compiled
        loop.run(progress=False)
        procs.run(progress=False)
        assert torch.allclose(flat_params(loop.aggregator.model), flat_params(procs.aggregator.model), atol=1e-5)
        assert torch.allclose(flat_buffers(loop.aggregator.model), flat_buffers(procs.aggregator.model), atol=1e-5)
        assert procs.replicas_in_sync(atol=1e-6)
    finally:
        procs.backend.close()


def test_a_worker_that_raises_in_its_process_is_dropped_and_the_round_proceeds():
    trainer = FederatedTrainer(blob_task(), bn_mlp, cfg(engine="processes", rounds=3), seed=0, device="cpu",
                               worker_factory=Unplugged)
    try:
        res = trainer.run(progress=False)
    finally:
        trainer.backend.close()
    rec = res.records[1]
    assert [d["worker"] for d in rec["dropped"]] == ["bob"] and "device unplugged" in rec["dropped"][0]["reason"]
    assert len(rec["bytes_up"]) == 3
    assert all(not r["dropped"] for i, r in enumerate(res.records) if i != 1)


def test_the_processes_engine_refuses_a_gpu_with_a_one_line_reason():
    import pytest

    from fedad.federated.backends.inprocess import InProcessBackend

    with pytest.raises(ValueError, match="runs the workers on the CPU"):
        InProcessBackend(cfg(engine="processes"), torch.device("cuda"))
