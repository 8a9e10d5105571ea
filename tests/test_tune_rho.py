"""A tiny real tune_rho run end to end (full real MNIST; a few rounds), resumable."""

import pytest

from fedad.data.images import MNIST_RAW
from fedad.experiments import tune_rho
from tests.conftest import real_data_available

pytestmark = pytest.mark.skipif(not real_data_available(*MNIST_RAW), reason="real data absent")


def test_tune_rho_runs_records_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "rhos=[0.3]",
            "--set", "datasets=[mnist, cifar10]", "--set", "federated.rounds=4", "--set", "federated.n_workers=3"]
    first = tune_rho.main(argv)
    assert len(first) == 1
    m = first[0]["metrics"]
    assert m["upload_compression_ratio"] > 100 and "full 60k train / 10k test" in m["data_source"]
    assert m["upload_compression_ratio_fp32"] < m["upload_compression_ratio"]  # fp32 values take more bytes
    assert len(first[0]["records"]) == 4 and first[0]["environment"]["torch"]
    absent = (tmp_path / "tune_rho" / "_absent_quick.json").read_text()
    assert "cifar10" in absent and "data absent" in absent
    again = tune_rho.main(argv)
    assert again[0]["wall_time_s"] == first[0]["wall_time_s"]  # cached, not rerun


def test_interrupted_run_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    from fedad.experiments.common import load_config
    from fedad.federated.loop import FederatedTrainer

    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    cfg = load_config("tune_rho", "quick")
    cfg.update(seeds=[0], rhos=[1.0], datasets=["mnist"], checkpoint_every=2)
    cfg["federated"] = dict(cfg["federated"], rounds=4, n_workers=2)
    run = tune_rho.expand(cfg)[0][0]
    from fedad.results import ResultStore

    store = ResultStore("tune_rho", tmp_path)
    original = FederatedTrainer.run_round
    calls = {"n": 0}

    def crash_after_three(self, r):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(self, r)

    monkeypatch.setattr(FederatedTrainer, "run_round", crash_after_three)
    with pytest.raises(KeyboardInterrupt):
        tune_rho.run_one(run, store, False)
    assert store.load_checkpoint(run)["round"] == 2
    resumed = tune_rho.run_one(run, store, False)
    assert len(resumed["records"]) == 4 and calls["n"] == 6  # rounds 3 and 4 only, after the resume
