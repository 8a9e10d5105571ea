"""A tiny real tune_rho run end to end (full real MNIST; a few rounds), resumable."""

import pytest

from fedad.data.images import MNIST_RAW, DatasetAbsentError
from fedad.experiments import tune_rho
from tests.conftest import real_data_available

pytestmark = pytest.mark.skipif(not real_data_available(*MNIST_RAW), reason="real data absent")


def test_tune_rho_runs_records_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "rhos=[0.3]", "--set", "lr_control=[]",
            "--set", "datasets=[mnist, cifar10]", "--set", "federated.rounds=4", "--set", "federated.n_workers=3"]
    real = tune_rho._data.__wrapped__

    def cifar_absent(name):
        if name == "cifar10":
            raise DatasetAbsentError("cifar10 nowhere")
        return real(name)

    monkeypatch.setattr(tune_rho, "_data", cifar_absent)
    first = tune_rho.main(argv)
    assert len(first) == 1
    m = first[0]["metrics"]
    assert m["upload_compression_ratio"] > 100 and "full 60k train / 10k test" in m["data_source"]
    assert m["upload_compression_ratio_fp32"] < m["upload_compression_ratio"]  # fp32 values take more bytes
    assert len(first[0]["records"]) == 4 and first[0]["environment"]["torch"]
    absent = (tmp_path / "tune_rho" / "_absent_quick.json").read_text()
    assert "cifar10" in absent and "data absent" in absent and m["lr"] == 0.05 and m["max_train_loss"] > 0
    again = tune_rho.main(argv)
    assert again[0]["wall_time_s"] == first[0]["wall_time_s"]  # cached, not rerun


def test_interrupted_run_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    from fedad.experiments.common import load_config
    from fedad.federated.loop import FederatedTrainer

    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    cfg = load_config("tune_rho", "quick")
    cfg.update(seeds=[0], rhos=[1.0], datasets=["mnist"], checkpoint_every=1e-6)  # epochs: every round
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
    assert store.load_checkpoint(run)["round"] == 3
    resumed = tune_rho.run_one(run, store, False)
    assert len(resumed["records"]) == 4 and calls["n"] == 5  # round 4 only, after the resume


def test_overrides_and_learning_rate_controls_expand_per_data_set():
    from fedad.experiments.common import load_config

    cfg = load_config("tune_rho", "quick")
    cfg.update(datasets=["mnist", "fashion_mnist"], rhos=[0.1, 100], seeds=[0, 1],
               lr_control=[{"dataset": "fashion_mnist", "lr": 0.05, "rho": 0.1}],
               dataset_overrides={"fashion_mnist": {"lr": 0.02, "rounds": 7}})
    runs, absent = tune_rho.expand(cfg)
    assert absent == {}
    grid = [r for r in runs if r["control"] is None]
    controls = [r for r in runs if r["control"] == "lr"]
    assert len(grid) == 2 * 2 * 2 and len(controls) == 2
    assert {r["federated"]["lr"] for r in grid if r["dataset"] == "mnist"} == {0.05}
    assert {(r["federated"]["lr"], r["federated"]["rounds"]) for r in grid if r["dataset"] == "fashion_mnist"} == {
        (0.02, 7)}
    assert {(r["dataset"], r["rho"], r["federated"]["lr"], r["federated"]["rounds"]) for r in controls} == {
        ("fashion_mnist", 0.1, 0.05, 7)}


def test_a_budget_stops_on_a_validation_split_and_reports_the_best_weights(tmp_path, monkeypatch):
    from fedad.experiments.common import load_config
    from fedad.results import ResultStore

    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    cfg = load_config("tune_rho", "full")
    cfg.update(seeds=[0], rhos=[1.0], datasets=["mnist"], lr_control=[], checkpoint_every=0,
               budget={"val_fraction": 0.1, "max_epochs": 0.02, "min_epochs": 0, "patience": 1, "eval_every": 0.005})
    cfg["federated"] = dict(cfg["federated"], n_workers=2)
    run = tune_rho.expand(cfg)[0][0]
    out = tune_rho.run_one(run, ResultStore("tune_rho", tmp_path), False)
    m = out["metrics"]
    assert "val_loss" in out["extra"]["evaluations"][0] and m["max_epochs"] == 0.02
    assert sum(out["extra"]["partition_sizes"]) == 54000  # 10 % of the 60k training images held out
    best = min(e["val_loss"] for e in out["extra"]["evaluations"])
    assert m["best_val_loss"] == pytest.approx(best) and m["val_loss"] == pytest.approx(best)


def test_the_validation_split_is_stratified_and_disjoint():
    import torch

    y = torch.arange(10).repeat(20)
    x = torch.arange(200).float().unsqueeze(1)
    x_fit, _, x_val, y_val = tune_rho.validation_split(x, y, 0.1)
    assert len(x_val) == 20 and torch.bincount(y_val).tolist() == [2] * 10
    assert not set(x_fit[:, 0].tolist()) & set(x_val[:, 0].tolist())
