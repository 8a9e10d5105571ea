"""Choosing and building an engine, and the serial and threads engines (the processes and vmap engines
have their own modules)."""

import pytest
import torch

from fedad.federated.config import FederatedConfig
from fedad.federated.engines import build_engine, resolve_compile, resolve_engine
from fedad.federated.engines.threads import IntraOpThreads
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from tests.fl_helpers import blob_task, cfg, mlp


def test_threads_engine_gives_the_serial_engines_weights_and_bytes():
    def run(engine):
        trainer = FederatedTrainer(blob_task(), mlp, cfg(rounds=4, engine=engine), seed=0)
        trainer.run(progress=False)
        return trainer

    serial, threads = run("serial"), run("threads")
    assert (serial.backend.round_engine, threads.backend.round_engine) == ("serial", "threads")
    assert torch.allclose(flat_params(serial.aggregator.model), flat_params(threads.aggregator.model), atol=1e-6)
    assert [r["bytes_up"] for r in serial.result.records] == [r["bytes_up"] for r in threads.result.records]


def test_auto_is_vmap_on_a_gpu_for_gradients_threads_on_two_cores_and_a_configs_choice_wins(monkeypatch):
    monkeypatch.delenv("FEDAD_ENGINE", raising=False)
    assert resolve_engine(FederatedConfig(engine="auto"), torch.device("cuda")) == "vmap"
    fedavg = {"mode": "fedavg", "memory": "residual"}
    assert resolve_engine(FederatedConfig(engine="auto", **fedavg), torch.device("cuda")) == "serial"
    assert resolve_engine(FederatedConfig(engine="vmap", **fedavg), torch.device("cpu")) == "serial"
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert resolve_engine(FederatedConfig(engine="auto"), torch.device("cpu")) == "threads"
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert resolve_engine(FederatedConfig(engine="auto"), torch.device("cpu")) == "serial"
    assert build_engine(FederatedConfig(engine="threads"), torch.device("cpu")).name == "threads"


def test_the_environment_picks_the_engine_that_auto_resolves_to(monkeypatch):
    monkeypatch.setenv("FEDAD_ENGINE", "processes")
    assert resolve_engine(FederatedConfig(engine="auto"), torch.device("cpu")) == "processes"
    assert resolve_engine(FederatedConfig(engine="serial"), torch.device("cpu")) == "serial"  # a config's choice wins
    monkeypatch.setenv("FEDAD_ENGINE", "fast")
    with pytest.raises(ValueError, match="FEDAD_ENGINE must be one of"):
        resolve_engine(FederatedConfig(engine="auto"), torch.device("cpu"))


def test_auto_device_picks_a_present_gpu_and_the_environment_can_override(monkeypatch):
    from fedad.federated.loop import pick_device

    monkeypatch.delenv("FEDAD_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto").type == "cuda"
    monkeypatch.setenv("FEDAD_DEVICE", "cpu")
    assert pick_device("auto").type == "cpu"


def test_compiled_replicas_give_the_eager_weights_to_float_rounding(monkeypatch):
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
    assert resolve_compile(FederatedConfig(), "serial") and not resolve_compile(FederatedConfig(), "vmap")
    monkeypatch.setenv("FEDAD_COMPILE", "yes")
    with pytest.raises(ValueError, match="FEDAD_COMPILE must be 0 or 1"):
        resolve_compile(FederatedConfig(), "serial")


def test_intra_op_threads_are_set_for_a_block_and_put_back():
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with IntraOpThreads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        assert build_engine(cfg(engine="serial"), torch.device("cpu")).round_scope().__enter__() is None
        assert torch.get_num_threads() == 2  # the serial engine leaves a round the threads it has
    finally:
        torch.set_num_threads(old)


def test_a_threads_engine_round_runs_on_one_intra_op_thread_and_evaluation_on_all(monkeypatch):
    # Algorithm 1 and the aggregation work on small [N, P] stacks: a second intra-op thread, woken after the
    # workers' one-thread local work, cost more than it gave; evaluation's large batches keep every thread
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        trainer = FederatedTrainer(blob_task(), mlp, cfg(rounds=2, engine="threads"), seed=0)
        seen = []
        aggregate = trainer.aggregator.aggregate
        monkeypatch.setattr(trainer.aggregator, "aggregate",
                            lambda *a: (seen.append(torch.get_num_threads()), aggregate(*a))[1])
        trainer.run_round(0)
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(old)
