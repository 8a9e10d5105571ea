"""A 2-round Flower deployment smoke test: flower-superlink + 2 flower-supernodes on 127.0.0.1."""

import shutil
from pathlib import Path

import pytest

pytest.importorskip("flwr", reason="flower extra not installed (pip install -e '.[flower]')")

from fedad.federated.backends.flower_deploy import BIN, run_deployment
from tests.conftest import real_data_available


@pytest.mark.skipif(not (Path(BIN) / "flower-superlink").exists() and not shutil.which("flower-superlink"),
                    reason="flower-superlink not installed beside this Python")
@pytest.mark.skipif(not real_data_available("mnist/mnist_npm10k.npz"), reason="real data absent")
def test_loopback_deployment_runs_two_rounds(tmp_path):
    out = run_deployment(workers=2, rounds=2, rho=1.0, train_samples=300, timeout_s=240, workdir=tmp_path)
    assert len(out["records"]) == 2
    assert all(len(r["bytes_up"]) == 2 and not r["dropped"] for r in out["records"])
    assert out["totals"]["upload_compression_ratio"] > 50
    assert 0 <= out["final"]["accuracy"] <= 100
