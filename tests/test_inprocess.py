"""Fault handling of the in-process back-end: a failing worker is dropped, the round goes on."""

import time

import torch

from fedad.federated.backends.inprocess import InProcessBackend
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.worker import VirtualWorker
from tests.fl_helpers import blob_task, cfg, mlp


def _faulty(kind: str, victim: str = "bob"):
    class Faulty(VirtualWorker):
        def compute_update(self, round_idx, grad=None, loss=None, check=True):
            if self.id == victim and round_idx == 1:
                if kind == "raise":
                    raise RuntimeError("device unplugged")
                if kind == "slow":
                    time.sleep(0.2)
                if kind == "nan":
                    grad, _ = self.gradient(*self.next_batch())
                    return super().compute_update(round_idx, grad * float("nan"), 0.0, check)
            return super().compute_update(round_idx, grad, loss, check)

    return Faulty


def _run(kind, **kw):
    trainer = FederatedTrainer(blob_task(), mlp, cfg(rounds=3, **kw), seed=0, worker_factory=_faulty(kind))
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
    assert torch.isfinite(flat_params(trainer.aggregator.model)).all()


def test_worker_over_the_timeout_is_dropped():
    res, _, _ = _run("slow", worker_timeout_s=0.1)
    assert [d["worker"] for d in res.records[1]["dropped"]] == ["bob"]
    assert "timeout" in res.records[1]["dropped"][0]["reason"]
    assert all(not r["dropped"] for i, r in enumerate(res.records) if i != 1)


def test_threads_engine_gives_the_loop_engines_weights():
    from fedad.federated.backends.inprocess import resolve_engine
    from fedad.federated.config import FederatedConfig

    def run(engine):
        trainer = FederatedTrainer(blob_task(), mlp, cfg(rounds=4, engine=engine), seed=0)
        trainer.run(progress=False)
        return trainer

    loop, threads = run("loop"), run("threads")
    assert threads.backend.engine == "threads"
    assert torch.allclose(flat_params(loop.aggregator.model), flat_params(threads.aggregator.model), atol=1e-6)
    assert [r["bytes_up"] for r in loop.result.records] == [r["bytes_up"] for r in threads.result.records]
    assert resolve_engine(FederatedConfig(engine="auto"), torch.device("cuda")) == "vmap"
    assert resolve_engine(FederatedConfig(engine="auto", mode="fedavg", memory="residual"),
                          torch.device("cuda")) == "loop"


def test_auto_device_picks_a_present_gpu_and_the_environment_can_override(monkeypatch):
    from fedad.federated.loop import pick_device

    monkeypatch.delenv("FEDAD_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto").type == "cuda"
    monkeypatch.setenv("FEDAD_DEVICE", "cpu")
    assert pick_device("auto").type == "cpu"


def test_the_environment_picks_the_engine_that_auto_resolves_to(monkeypatch):
    import pytest

    from fedad.federated.backends.inprocess import resolve_engine
    from fedad.federated.config import FederatedConfig

    monkeypatch.setenv("FEDAD_ENGINE", "processes")
    assert resolve_engine(FederatedConfig(engine="auto"), torch.device("cpu")) == "processes"
    assert resolve_engine(FederatedConfig(engine="loop"), torch.device("cpu")) == "loop"  # a config's choice wins
    monkeypatch.setenv("FEDAD_ENGINE", "fast")
    with pytest.raises(ValueError, match="FEDAD_ENGINE must be one of"):
        resolve_engine(FederatedConfig(engine="auto"), torch.device("cpu"))


def test_compiled_replicas_give_the_eager_weights_to_float_rounding(monkeypatch):
    import pytest

    from fedad.federated.backends.inprocess import resolve_compile
    from fedad.federated.config import FederatedConfig

    eager = FederatedTrainer(blob_task(), mlp, cfg(rounds=3), seed=0)
    compiled = FederatedTrainer(blob_task(), mlp, cfg(rounds=3, compile=True), seed=0)
    assert compiled.backend.compiled and all(w.model._compiled_call_impl is not None for w in compiled.workers)
    assert list(compiled.workers[0].model.state_dict()) == list(eager.workers[0].model.state_dict())
    eager.run(progress=False)
    compiled.run(progress=False)
    assert torch.allclose(flat_params(eager.aggregator.model), flat_params(compiled.aggregator.model), atol=1e-5)
    assert [r["bytes_up"] for r in eager.result.records] == [r["bytes_up"] for r in compiled.result.records]
    # the environment switches it on for any command; vmap's functional pass is never compiled
    monkeypatch.setenv("FEDAD_COMPILE", "1")
    assert resolve_compile(FederatedConfig(), "loop") and not resolve_compile(FederatedConfig(), "vmap")
    monkeypatch.setenv("FEDAD_COMPILE", "yes")
    with pytest.raises(ValueError, match="FEDAD_COMPILE must be 0 or 1"):
        resolve_compile(FederatedConfig(), "loop")


def test_with_worker_processes_the_parent_runs_a_round_on_one_intra_op_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        backend = InProcessBackend(cfg(engine="processes"), torch.device("cpu"))
        backend._processes = object()  # as after attach (no child is needed to test the scope)
        with backend.round_scope():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        backend._processes = None  # every other engine keeps its threads
        with backend.round_scope():
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(old)
