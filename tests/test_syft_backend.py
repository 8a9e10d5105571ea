"""The syft back-end: 1 aggregator + 3 datasites on syft's mock Drive, against the in-process loop."""

import pytest
import torch

pytest.importorskip("syft_rds", reason="syft extra not installed (pip install -e '.[syft]')")

from fedad.deployment.syft_backend import SyftBackend
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.models import build_model
from tests.fl_helpers import sine_task

SPEC = {"name": "cnn_lstm", "kwargs": {"dims": 1, "horizon": 2, "window": 16, "channels": [4, 8], "lstm_hidden": 8}}


def _model():
    kw = dict(SPEC["kwargs"], channels=tuple(SPEC["kwargs"]["channels"]))
    return build_model("cnn_lstm", **kw)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    task = sine_task()
    config = FederatedConfig(n_workers=3, rounds=2, batch_size=16, lr=0.05, rho=5.0, engine="serial")
    reference = FederatedTrainer(task, _model, config, seed=0)
    reference.run(progress=False)
    backend = SyftBackend(SPEC, "forecast", tmp_path_factory.mktemp("syft"))
    remote = FederatedTrainer(task, _model, config, seed=0, backend=backend)
    remote.run(progress=False)
    return task, reference, remote, backend


def test_syft_backend_gives_the_in_process_weights(runs):
    _, reference, remote, _ = runs
    torch.testing.assert_close(flat_params(remote.aggregator.model), flat_params(reference.aggregator.model),
                               atol=1e-6, rtol=1e-6)
    assert [r["bytes_up"] for r in remote.result.records] == [r["bytes_up"] for r in reference.result.records]
    assert remote.result.final["rmse"] == pytest.approx(reference.result.final["rmse"], abs=1e-6)


def test_aggregator_side_holds_no_private_data(runs):
    _, _, remote, backend = runs
    private = [(backend.owner_dir(w.id) / "private" / "partition.pt").read_bytes() for w in remote.workers]
    for path in backend.aggregator_files():
        assert path.read_bytes() not in private, path
        assert path.name != "partition.pt" or not torch.load(path, weights_only=True)["x"].any()
    assert all(not hasattr(w, "_x") for w in remote.workers)  # handles only
