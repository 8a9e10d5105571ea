"""Tiny real detect and comm runs end to end on the real power demand series."""

import pytest

from reproduce import comm, detect
from reproduce.common import ConfigError
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
    assert 0 <= m["point"]["accuracy"] <= 100 and m["rmse"] > 0
    for key in ("event", "threshold_free", "point_adjusted_f1", "subsequence", "paper_rule", "flag_nothing",
                "threshold_rule", "validation_blocks", "window_rule"):
        assert key in m
    assert m["window"] == 168 and m["events"]["test"]["events"] == 1
    if variant != "reference" and model != "svm":
        assert m["epochs_run"] >= 1 and m["hit_cap"] and "best_val_loss" in m
    assert result["config"]["seed"] == 0 and result["environment"]["torch"] and result["wall_time_s"] > 0


@needs_real
def test_a_data_set_without_test_events_needs_the_flag(tmp_path):
    argv = ["--results", str(tmp_path), *TINY, "--set", "datasets=[ecg_qtdbsel102]",
            "--set", "plan=[{models: [persistence], variants: [reference]}]"]
    with pytest.raises(ConfigError, match="allow-no-test-anomaly"):
        detect.main(argv)
    (result,) = detect.main([*argv, "--allow-no-test-anomaly"])
    assert result["metrics"]["no_test_anomaly"]


@needs_real
def test_comm_records_time_and_bytes_with_and_without_gcm(tmp_path):
    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "models=[sae]",
            "--set", "federated.rounds=2"]
    out = {r["config"]["compressor"]: r["metrics"] for r in comm.main(argv)}
    assert out["none"]["upload_compression_ratio"] == pytest.approx(1.0, rel=1e-3)
    assert out["topk"]["upload_compression_ratio"] > 100
    assert out["topk"]["link_s"] < out["none"]["link_s"]
