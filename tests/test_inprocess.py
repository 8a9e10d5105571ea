"""Fault handling of the in-process back-end: a failing worker is dropped, the round goes on."""

import itertools

import torch

from fedad.federated.backends.inprocess import InProcessBackend
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.worker import VirtualWorker
from tests.fl_helpers import blob_task, cfg, mlp


def _faulty(kind: str, victim: str = "bob"):
    class Faulty(VirtualWorker):
        """Fails in its second round (its second update)."""

        calls = 0

        def compute_update(self, batch=None):
            self.calls += 1
            if self.id == victim and self.calls == 2:
                if kind == "raise":
                    raise RuntimeError("device unplugged")
                if kind == "nan":
                    grad, loss = super().compute_update(batch)
                    return grad * float("nan"), loss
            return super().compute_update(batch)

    return Faulty


def _run(kind, backend=None, **kw):
    config = cfg(rounds=3, **kw)
    trainer = FederatedTrainer(blob_task(), mlp, config, seed=0, worker_factory=_faulty(kind), backend=backend)
    before = flat_params(trainer.aggregator.model).clone()
    res = trainer.run(progress=False)
    return res, before, trainer


def test_worker_that_raises_is_dropped_and_the_round_proceeds(caplog):
    res, before, trainer = _run("raise")
    rec = res.records[1]
    assert [d["worker"] for d in rec["dropped"]] == ["bob"] and "device unplugged" in rec["dropped"][0]["reason"]
    assert len(rec["bytes_up"]) == 3
    assert not torch.equal(flat_params(trainer.aggregator.model), before)
    assert "bob" in caplog.text


def test_worker_returning_nan_is_dropped():
    res, _, trainer = _run("nan")
    assert [d["worker"] for d in res.records[1]["dropped"]] == ["bob"]
    assert "non-finite update at round 1" in res.records[1]["dropped"][0]["reason"]
    assert torch.isfinite(flat_params(trainer.aggregator.model)).all()


def test_workers_over_the_timeout_are_dropped_by_the_backends_clock():
    # the pack of round 1 takes 100 s on this clock, charged to the workers in equal shares (25 s each)
    ticks = itertools.chain([0.0, 0.0, 0.0, 100.0], itertools.repeat(0.0))
    config = cfg(rounds=3, worker_timeout_s=10.0)
    backend = InProcessBackend(config, torch.device("cpu"), clock=lambda: next(ticks))
    res = FederatedTrainer(blob_task(), mlp, config, seed=0, backend=backend).run(progress=False)
    assert [len(r["dropped"]) for r in res.records] == [0, 4, 0]
    assert all(d["reason"].startswith("timeout: 25.") for d in res.records[1]["dropped"])
    assert res.records[1]["loss"] is None and res.records[1]["bytes_down"] == 0  # nothing arrived: no step


def test_a_checkpoint_keeps_algorithm_1s_state_and_resumes_bit_for_bit():
    config = cfg(rounds=4, compressor="randomk", memory="residual")
    straight = FederatedTrainer(blob_task(), mlp, config, seed=0)
    straight.run(progress=False)
    first = FederatedTrainer(blob_task(), mlp, config, seed=0)
    for r in range(2):
        first.result.records.append(first.run_round(r))
    first.start_round = 2
    state = first.state_dict()
    assert state["backend"]["algorithm1"]["steps"] == [2] * 4
    resumed = FederatedTrainer(blob_task(), mlp, config, seed=0)
    resumed.load_state_dict(state)
    resumed.run(progress=False)
    assert torch.equal(flat_params(resumed.aggregator.model), flat_params(straight.aggregator.model))
