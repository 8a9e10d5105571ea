"""A tiny real detect and comm run end to end on the real power demand series."""

import pytest

from reproduce import comm, detect
from tests.conftest import needs_real


@needs_real
@pytest.mark.parametrize("model", ["amcnn_lstm", "sae", "svm"])
def test_detect_trains_scores_and_records(tmp_path, model):
    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "datasets=[power_demand]",
            "--set", f"models=[{model}]", "--set", "train.steps=3", "--set", "federated.rounds=2",
            "--set", "svm.max_train=50"]
    (result,) = detect.main(argv)
    m = result["metrics"]
    assert m["training"] == ("federated" if model == "amcnn_lstm" else "centralised")
    assert 0 <= m["point"]["accuracy"] <= 100 and m["rmse"] > 0 and "subsequence" in m
    assert m["point"]["n"] > 10_000


@needs_real
def test_comm_records_time_and_bytes_with_and_without_gcm(tmp_path):
    argv = ["--results", str(tmp_path), "--seeds", "0", "--quiet", "--set", "models=[sae]",
            "--set", "federated.rounds=2"]
    out = {r["config"]["compressor"]: r["metrics"] for r in comm.main(argv)}
    assert out["none"]["upload_compression_ratio"] == pytest.approx(1.0, rel=1e-3)
    assert out["topk"]["upload_compression_ratio"] > 100
    assert out["topk"]["link_s"] < out["none"]["link_s"]
