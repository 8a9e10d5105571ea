"""The Flower back-end in Flower's simulation engine, against the in-process loop (same seed)."""

import pytest
import torch

pytest.importorskip("flwr", reason="flower extra not installed (pip install -e '.[flower]')")
pytest.importorskip("ray", reason="flwr[simulation] (ray) not installed")

from fedad.deployment.flower_backend import FlowerBackend
from fedad.deployment.flower_server import run_simulation
from fedad.deployment.remote_worker import build_model_from_spec
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from tests.fl_helpers import sine_task

SPEC = {"name": "cnn_lstm", "kwargs": {"dims": 1, "horizon": 2, "window": 16, "channels": [4, 8], "lstm_hidden": 8}}


def test_flower_simulation_gives_the_in_process_weights(tmp_path):
    task = sine_task()
    config = FederatedConfig(n_workers=3, rounds=3, batch_size=16, lr=0.05, rho=5.0, engine="serial")
    reference = FederatedTrainer(task, lambda: build_model_from_spec(SPEC), config, seed=0)
    reference.run(progress=False)
    backend = FlowerBackend(SPEC, "forecast", tmp_path)
    trainer = FederatedTrainer(task, lambda: build_model_from_spec(SPEC), config, seed=0, backend=backend)
    run_simulation(trainer)
    assert all(not r["dropped"] for r in trainer.result.records), trainer.result.records[0]["dropped"]
    torch.testing.assert_close(flat_params(trainer.aggregator.model), flat_params(reference.aggregator.model),
                               atol=1e-6, rtol=1e-6)
    assert [r["bytes_up"] for r in trainer.result.records] == [r["bytes_up"] for r in reference.result.records]
    assert trainer.result.final["rmse"] == pytest.approx(reference.result.final["rmse"], abs=1e-6)
    # the state lives on disk, not in context.state, which a late duplicate query could write back stale
    kept = sorted(p.name for p in (tmp_path / "node_state" / "simulation").iterdir())
    assert kept == sorted(f"{w.id}.round{r}.pt" for w in trainer.workers for r in (1, 2)), kept
