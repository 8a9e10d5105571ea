"""Tiny real detect and comm runs end to end on the real power demand series."""

import pytest
import torch

from fedad.experiments import comm, detect
from fedad.experiments.common import ConfigError
from tests.conftest import needs_real

TINY = ["--seeds", "0", "--quiet", "--set", "datasets=[power_demand]", "--set", "budget={max_epochs: 1, patience: 1}",
        "--set", "svm.max_train=50", "--set", "fit_stride=16"]


@needs_real
@pytest.mark.parametrize(("model", "variant"), [("amcnn_lstm", "federated_gcm"), ("sae", "centralised"),
                                                ("svm", "centralised"), ("seasonal_naive", "reference")])
def test_detect_trains_scores_and_records(tmp_path, model, variant):
    plan = f"plan=[{{models: [{model}], variants: [{variant}]}}]"
    (result,) = detect.main(["--results", str(tmp_path), *TINY, "--set", plan])
    m = result["metrics"]
    assert m["training"] == {"federated_gcm": "federated", "centralised": "centralised", "reference": "none"}[variant]
    (tn, fp), (fn, tp) = m["point"]["confusion"]
    assert m["point"]["accuracy"] == pytest.approx(100 * (tn + tp) / m["point"]["n"]) and tn + fp + fn + tp == m["point"]["n"]
    assert m["point"]["n_anomalous"] == fn + tp > 0 and m["rmse"] > 0
    for key in ("event", "threshold_free", "point_adjusted_f1", "subsequence", "paper_rule", "flag_nothing",
                "threshold_rule", "validation_blocks", "window_rule", "bootstrap", "record_periods"):
        assert key in m
    assert m["window"] == 168 and m["events"]["test"]["events"] == 1
    if variant != "reference" and model != "svm":
        assert m["epochs_run"] >= 1 and m["hit_cap"] and "best_val_loss" in m
    assert result["config"]["seed"] == 0 and result["environment"]["torch"] == torch.__version__
    assert "wall_time_s" in result


@needs_real
def test_a_data_set_without_test_events_needs_the_flag(tmp_path):
    argv = ["--results", str(tmp_path), *TINY, "--set", "datasets=[ecg_qtdbsel102]", "--set", "allow_no_test_anomaly=[]",
            "--set", "plan=[{models: [persistence], variants: [reference]}]"]
    with pytest.raises(ConfigError, match="allow-no-test-anomaly"):
        detect.main(argv)
    (result,) = detect.main([*argv, "--allow-no-test-anomaly"])
    assert result["metrics"]["no_test_anomaly"]


@needs_real
def test_comm_records_curves_bytes_and_time_with_and_without_gcm(tmp_path):
    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "models=[sae]", "--set", "fit_stride=16",
            "--set", "budget={max_epochs: 2, patience: 2, min_epochs: 0}", "--set", "two_way.models=[sae]"]
    out = {(r["config"]["compressor"], r["config"].get("downlink_rho")): r for r in comm.main(argv)}
    dense, gcm, two_way = out[("none", None)], out[("topk", None)], out[("topk", 0.3)]
    assert dense["metrics"]["upload_compression_ratio"] == pytest.approx(1.0, rel=1e-3)
    assert gcm["metrics"]["upload_compression_ratio"] > 100
    assert gcm["metrics"]["upload_compression_ratio_fp32"] < gcm["metrics"]["upload_compression_ratio"]
    assert gcm["metrics"]["per_round"]["up_max"] < dense["metrics"]["per_round"]["up_max"] / 100
    assert two_way["metrics"]["per_round"]["down"] < gcm["metrics"]["per_round"]["down"]
    for r in (dense, gcm):
        curve = r["curve"]
        assert len(curve) >= 2 and curve[-1]["bytes_up"] > curve[0]["bytes_up"] and curve[0]["val_loss"] > 0
    assert (tmp_path / "comm" / "_config_quick.json").is_file()


@needs_real
def test_compressors_experiment_reads_accuracy_and_bytes_at_each_budget(tmp_path):
    from fedad.experiments import compressors

    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "budgets={power_demand: [1, 2]}",
            "--set", "workloads={power_demand: {model: sae, lr: 0.1, batch_size: 8}}",
            "--set", "compressors={dense: {compressor: none, memory: momentum}, qsgd8: {compressor: qsgd, memory: none}}"]
    out = {r["config"]["name"]: r["metrics"] for r in compressors.main(argv)}
    assert [p["rounds"] for p in out["dense"]["points"]] == [1, 2]
    assert out["qsgd8"]["points"][-1]["bytes_up"] < out["dense"]["points"][-1]["bytes_up"] / 3
    assert out["dense"]["points"][-1]["val_rmse"] > 0


def test_learning_rate_sweep_picks_the_lowest_finite_validation_loss(tmp_path, monkeypatch):
    from types import SimpleNamespace

    losses = {0.1: 0.02, 0.3: 0.01, 1.0: "inf"}  # η = 1 diverged (a cached file spells ∞ as text)
    runs = [{"model": "gru", "training": "centralised", "train": {"lr": lr}} for lr in (1.0, 0.1, 0.3)]
    monkeypatch.setattr(detect, "sweep_runs", lambda cfg: runs)
    monkeypatch.setattr(detect, "run_all", lambda name, rs, fn, args: [
        {"metrics": {"best_val_loss": losses[r["train"]["lr"]]}} for r in rs])
    rates = detect.choose_learning_rates({"lr_sweep": {"values": [0.1, 0.3, 1.0]}, "profile": "quick"},
                                         SimpleNamespace(results=tmp_path))
    assert rates == {"gru/centralised": 0.3, "gru": 0.3}
    assert (tmp_path / "lr_sweep" / "_choice_quick.json").exists()


@needs_real
def test_a_diverging_configuration_loses_the_training_search_instead_of_ending_it(tmp_path):
    import json

    (result,) = detect.main(["--results", str(tmp_path), "--profile", "full", *TINY,
                             "--set", "train_search.grid={centralised: {sgd: [0.1, 1.0e+6]}, federated: {sgd: [0.1]}}",
                             "--set", "train_search.budget={max_epochs: 1, patience: 1}",
                             "--set", "plan=[{models: [sae], variants: [centralised]}]"])
    choice = json.loads((tmp_path / "train_search" / "_choice_full.json").read_text())["choice"]
    entry = choice["power_demand/sae/centralised"]
    assert entry["config"] == {"optimizer": "sgd", "lr": 0.1} and len(entry["tried"]) == 2
    assert result["metrics"]["lr"] == 0.1 and result["config"]["searched"] and result["config"]["seed"] == 0
    runs = [json.loads(p.read_text()) for p in (tmp_path / "train_search").glob("[!_]*.json")]
    assert [r["metrics"]["diverged"] for r in runs if r["config"]["train"]["lr"] == 1e6] != [None]


@needs_real
def test_power_demand_runs_record_both_label_sets_accuracy_ceilings(tmp_path):
    plan = "plan=[{models: [seasonal_naive], variants: [reference], datasets: [power_demand, power_demand_audited]}]"
    results = detect.main(["--results", str(tmp_path), *TINY, "--set", "datasets=[power_demand, power_demand_audited]",
                           "--set", plan])
    by_labels = {r["metrics"]["label_audit"]["labels"]: r["metrics"] for r in results}
    original, audited = by_labels["original"], by_labels["audited"]
    # flagging exactly 25-26 December scores 94.97 % against the published week-long Christmas window
    assert original["label_audit"]["original"]["accuracy_ceiling"] == pytest.approx(94.971, abs=0.01)
    assert audited["label_audit"]["audited"]["accuracy_ceiling"] == 100.0
    assert audited["trivial_accuracy"] == pytest.approx(audited["label_audit"]["audited"]["trivial_accuracy"])
    assert original["label_audit"]["original"]["trivial_accuracy"] == pytest.approx(original["trivial_accuracy"])


@needs_real
def test_local_only_trains_each_device_on_its_own_partition(tmp_path):
    plan = "plan=[{models: [amcnn_lstm], variants: [local_only]}]"
    results = detect.main(["--results", str(tmp_path), *TINY, "--set", plan, "--set", "federated.n_workers=3"])
    metrics = sorted((r["metrics"] for r in results), key=lambda m: m["worker"])
    assert [m["worker"] for m in metrics] == [0, 1, 2] and {m["training"] for m in metrics} == {"local"}
    sizes = [m["worker_windows"] for m in metrics]
    assert max(sizes) - min(sizes) <= 1  # the IID partition (c) uses, one part per device
    from fedad.data.protocol import protocol_for
    from fedad.detection.pipeline import prepare_series

    fit_windows = len(prepare_series(protocol_for("power_demand"), 4).task().x_train[::16])  # TINY: fit_stride 16
    assert sum(sizes) == fit_windows  # the devices' parts cover the fit windows once
