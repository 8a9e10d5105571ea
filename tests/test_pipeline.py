"""The detection pipeline on synthetic series: out-of-sample calibration, context, no test leak."""

import numpy as np
import pytest

from fedad.data.protocol import SeriesProtocol
from fedad.data.series import SeriesDataset
from fedad.detection.pipeline import calibrate, detection_metrics, prepare_series

PERIOD = 25


def _series(n=3000, seed=0, spikes=(900, 2700)):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = (0.5 + 0.3 * np.sin(2 * np.pi * t / PERIOD) + 0.01 * rng.normal(size=n)).astype(np.float32)[:, None]
    labels = np.zeros(n, bool)
    for a in spikes:
        labels[a : a + 10] = True
    return SeriesDataset("toy", [values], [labels], ["a"], ["v"], "t")


PROTOCOL = SeriesProtocol("toy", "toy", lag_range=(10, 100))


def _oracle(prep, miss=0.5, seed=1):
    """A forecaster that is right up to noise, and wrong by ``miss`` where the target is anomalous."""
    rng = np.random.default_rng(seed)
    out = {}
    for part, w in prep.windows.items():
        f = w.y + rng.normal(scale=0.01, size=w.y.shape).astype(np.float32)
        f[w.labels] += miss
        out[part] = f
    return out


def test_validation_block_holds_the_training_event_and_the_window_is_one_period():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    assert prep.window == PERIOD and prep.split.events()["validation"]["events"] == 1
    assert "last training event" in prep.split.blocks[0]["rule"]
    # context: every test point is scored (the last T-1 points lack later forecasts)
    assert prep.split.test.n_points - len(prep.split.test.own_labels()[0]) == 0
    out = detection_metrics(prep, _oracle(prep))
    assert out["scored_points"]["test"] == prep.split.test.n_points - 1 and out["unscored_test_points"]["points"] == 1


def test_an_oracle_forecaster_detects_the_test_event_with_threshold_from_validation():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    out = detection_metrics(prep, _oracle(prep), headline="max_f")
    assert out["threshold_rule"].startswith("validation: max F_θ")
    assert out["event"]["recall"] == 100.0 and out["event"]["precision"] == 100.0
    assert out["point"]["precision"] >= 90.0 and out["threshold_free"]["pr_auc"] > 90
    assert out["flag_nothing"]["point"]["accuracy"] == pytest.approx(out["trivial_accuracy"])
    assert "paper_rule" in out and out["paper_rule"]["threshold_rule"].startswith("in_sample")


def test_a_useless_forecaster_makes_the_detector_flag_nothing():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    rng = np.random.default_rng(3)
    noise = {p: rng.random(w.y.shape).astype(np.float32) for p, w in prep.windows.items()}
    out = detection_metrics(prep, noise, headline="max_f")
    assert out["flags_nothing"] and out["point"]["accuracy"] == pytest.approx(out["trivial_accuracy"])


def test_no_validation_event_uses_the_stated_percentile_fallback():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series(spikes=(2700,)))
    out = detection_metrics(prep, _oracle(prep), fallback_percentile=99.0, headline="max_f")
    assert "no labelled point; 99.0th percentile" in out["threshold_rule"]


def test_scrambled_test_labels_move_neither_mu_sigma_nor_the_threshold():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    forecasts = _oracle(prep)
    first = calibrate(prep, forecasts)
    out_first = detection_metrics(prep, forecasts)
    rng = np.random.default_rng(7)
    for lab in prep.split.test.labels:
        lab[:] = rng.random(len(lab)) < 0.3
    second = calibrate(prep, forecasts)
    out_second = detection_metrics(prep, forecasts)
    assert np.array_equal(first.gaussian.mean, second.gaussian.mean)
    assert np.array_equal(first.gaussian.cov, second.gaussian.cov)
    assert first.threshold == second.threshold and out_first["threshold"] == out_second["threshold"]
    for rule in ("false_alarm_rule", "one_sided"):  # the rules reported beside it read no test label either
        assert out_first[rule]["threshold"] == out_second[rule]["threshold"]
    assert [r["flags_nothing"] for r in out_first["sensitivity"]] == [r["flags_nothing"] for r in out_second["sensitivity"]]
    assert out_first["point"]["n_anomalous"] != out_second["point"]["n_anomalous"]
    assert out_first["false_alarm_rule"]["validation_false_alarms"] <= 0.01
    assert {(r["min_precision"], r["theta"]) for r in out_first["sensitivity"]} >= {(0.4, 0.05), (0.6, 0.05), (0.5, 1.0)}


def test_the_headline_is_the_false_alarm_rule_with_max_f_theta_beside_it():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    forecasts = _oracle(prep)
    out, paper_criterion = detection_metrics(prep, forecasts), detection_metrics(prep, forecasts, headline="max_f")
    assert out["headline_rule"] == "false_alarm" and out["threshold_rule"].startswith("validation: false-alarm rate")
    assert out["point"] == out["false_alarm_rule"]["point"] and out["false_alarm_rule"]["validation_false_alarms"] <= 0.01
    assert out["max_f_rule"]["point"] == paper_criterion["point"] and out["max_f_rule"] == paper_criterion["max_f_rule"]
    assert out["event"]["recall"] == 100.0  # the oracle's test event is found by either rule
    with pytest.raises(ValueError, match="headline must be one of"):
        detection_metrics(prep, forecasts, headline="best")


def test_forecasts_for_every_part_are_required():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    with pytest.raises(ValueError, match="missing"):
        detection_metrics(prep, {"fit": None})


def test_scrambled_test_labels_do_not_move_the_early_stopping_choice():
    import torch

    from fedad.models import build_model
    from fedad.training.centralised import fit_centralised

    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    task = prep.task()
    assert task.x_test is None  # the training task holds no test window at all

    def train():
        torch.manual_seed(0)
        model = build_model("sae", dims=1, horizon=2, window=prep.window, widths=(16, 8))
        out = fit_centralised(model, prep.task(), max_epochs=6, patience=2, batch_size=64, lr=0.05, seed=0)
        return out["best_epoch"], [h["val_loss"] for h in out["history"]]

    first = train()
    for lab in prep.split.test.labels:
        lab[:] = ~lab
    assert train() == first


V1V2 = SeriesProtocol("toy", "toy", lag_range=(10, 100), stopping_fraction=0.5)


def test_v2_alone_sets_mu_sigma_and_the_threshold_scrambled_v1_labels_move_nothing():
    prep = prepare_series(V1V2, horizon=2, dataset=_series())
    assert prep.split.stopping is not None and "stopping" in prep.windows
    forecasts = _oracle(prep)
    first = detection_metrics(prep, forecasts)
    cal = calibrate(prep, forecasts)
    rng = np.random.default_rng(11)
    for lab in prep.split.stopping.labels:
        lab[:] = rng.random(len(lab)) < 0.3
    second = calibrate(prep, forecasts)
    assert np.array_equal(cal.gaussian.mean, second.gaussian.mean) and np.array_equal(cal.gaussian.cov, second.gaussian.cov)
    assert cal.threshold == second.threshold
    out = detection_metrics(prep, forecasts)
    for key in ("threshold", "point"):
        assert out[key] == first[key]
    for rule in ("false_alarm_rule", "one_sided"):
        assert out[rule]["threshold"] == first[rule]["threshold"]


def test_early_stopping_reads_v1_windows_only():
    prep = prepare_series(V1V2, horizon=2, dataset=_series())
    task = prep.task()
    v1 = prep.windows["stopping"]
    assert len(task.x_val) == int((~v1.labels).sum())
    assert np.array_equal(task.x_val.numpy(), v1.x[~v1.labels])
    scored = prep.split.validation.n_points + prep.split.stopping.n_points
    assert scored == prep.split.blocks[0]["validation"][1] - prep.split.blocks[0]["validation"][0]
