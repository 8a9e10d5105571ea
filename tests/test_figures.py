"""Figures and the report draw from a small fixture results set (synthetic numbers, drawing only)."""

import pytest

from fedad.figures import fig4, fig5, fig5b, fig6, fig7, fig8, fig10
from fedad.figures import table1 as table1_fig
from fedad.report import writer as report
from fedad.results import ResultStore, atomic_write_text
from tests.result_fixture import DATASETS, _detect_metrics, fill_results


@pytest.fixture
def results(tmp_path):
    return fill_results(tmp_path)


@pytest.mark.parametrize("module", [fig4, fig5, fig5b, fig6, fig7, fig8, fig10, table1_fig])
def test_each_figure_draws_png_and_pdf(results, tmp_path, module):
    paths = module.draw(results, tmp_path / "out")
    assert {p.suffix for p in paths} >= {".png", ".pdf"}
    assert all(p.stat().st_size > 1000 for p in paths if p.suffix in (".png", ".pdf"))


def test_figures_without_results_say_which_target_makes_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="make fig4"):
        fig4.draw(tmp_path, tmp_path / "out")


def test_report_lists_every_stated_number_with_a_verdict(results):
    text = report.build_report(results)
    for needle in ("97.25", "99.08", "96.85", "+7.87", "63.9", "~0.50", "~300", "Table I power_demand X_a",
                   "uplink bandwidths where GCM ÷ dense ≤ 0.5", "Time to accuracy", "Two-way sparsification",
                   "said three ways",
                   "AMCNN-LSTM most accurate on all four", "ς for ecg", "## Controls", "## Convergence",
                   "## Threshold rules compared", "flag nothing (reference)", "Point-adjusted F1",
                   "not converged"):
        assert needle in text, needle
    # the verdicts themselves are tested on the rows (tests/test_report_claims.py); here, that the rows
    # reach the text
    line = next(line for line in text.splitlines() if line.startswith("| Fig. 5 AMCNN-LSTM accuracy, power demand"))
    assert [c.strip() for c in line.split("|")][2] == "96.85"


def test_controls_are_paired_with_intervals(results):
    text = report.build_report(results)
    assert "(a) centralised" in text and "(b) federated, ρ = 100" in text
    assert "federation (b − a)" in text and "[" in text.split("## Controls")[1].split("\n## ")[0]


def test_figures_read_only_the_latest_configs_runs(results):
    import json

    from fedad.results.tables import load

    n = len(load("detect", results))
    stale = ResultStore("detect", results).save(
        {"profile": "quick", "dataset": "ecg", "model": "svm", "seed": 0, "lr": "old"},
        {"point": {"accuracy": 1.0, "n_anomalous": 5}, "rmse": 9.0, "trivial_accuracy": 93.0, "threshold": 1.0}, 1.0)
    assert len(load("detect", results)) == n + 1  # no manifest yet: every file
    hashes = [json.loads(p.read_text())["config_hash"] for p in (results / "detect").glob("*.json") if p != stale]
    atomic_write_text(results / "detect" / "_current_quick.json", json.dumps(hashes))
    assert len(load("detect", results)) == n and 9.0 not in set(load("detect", results)["rmse"])


def test_bar_figures_leave_out_a_data_set_without_test_events(results):
    from fedad.figures.bars import order
    from fedad.results.tables import load, paper_setting

    for m in ("amcnn_lstm", "persistence"):
        metrics = {**_detect_metrics(0, 0, "reference" if m == "persistence" else "federated_gcm"),
                   "no_test_anomaly": True}
        metrics["threshold_free"] = {**metrics["threshold_free"], "pr_auc": None}  # undefined without an event
        ResultStore("detect", results).save(
            {"profile": "quick", "dataset": "ecg_qtdbsel102", "model": m,
             "variant": "reference" if m == "persistence" else "federated_gcm", "seed": 0}, metrics, 1.0)
    frame = paper_setting(load("detect", results))
    assert "ecg_qtdbsel102" in set(frame["dataset"])
    datasets, models = order(frame)
    assert datasets == list(DATASETS)  # its all-normal accuracy of 100 % would read as a perfect detector
    import matplotlib.pyplot as plt

    from fedad.figures.bars import draw_bars

    fig, ax = plt.subplots()
    # the seed count of the drawn learned models (3); the references' single run must not pull it to 1
    assert draw_bars(ax, frame, "threshold_free.pr_auc", datasets, models) == 3
    plt.close(fig)


def test_report_states_each_familys_learning_rate_and_flags_the_grid_edge(results):
    import json

    for model, lrs in (("gru", {0.1: 0.02, 0.3: 0.01}), ("sae", {0.1: 0.01, 0.3: float("nan")})):
        for lr, loss in lrs.items():
            ResultStore("lr_sweep", results).save(
                {"profile": "quick", "model": model, "training": "centralised", "train": {"lr": lr}},
                {"best_val_loss": loss}, 1.0)
    choice = {"sweep": {"values": [0.1, 0.3], "max_epochs": 10, "dataset": "power_demand", "seed": 0},
              "choice": {"gru/centralised": {"lr": 0.3}, "sae/centralised": {"lr": 0.1}}}
    atomic_write_text(results / "lr_sweep" / "_choice_quick.json", json.dumps(choice))
    section = report.build_report(results).split("## Learning rates")[1].split("\n## ")[0]
    assert "diverged" in section and "0.01000" in section
    assert "GRU (centralised), SAE (centralised)" in section  # 0.3 and 0.1 are both edges of a 2-point grid


def test_report_sets_amcnn_against_baselines_trained_federated_too(results):
    text = report.build_report(results)
    assert "No baseline was trained federated in this profile" in text  # the fixture's baselines are centralised
    for seed in (0, 1, 2):
        ResultStore("detect", results).save(
            {"profile": "quick", "dataset": DATASETS[0], "model": "cnn_lstm", "variant": "federated_gcm",
             "seed": seed}, _detect_metrics(5, seed, "federated_gcm"), 1.0)
    section = report.build_report(results).split("## Under equal conditions")[1].split("\n## ")[0]
    assert f"### {DATASETS[0]}" in section and "CNN-LSTM" in section
    # the fixture gives CNN-LSTM (i = 5) a PR-AUC 5.0, 5.5 and 6.0 points above AMCNN-LSTM's (i = 0)
    assert "-5.5" in section and "AMCNN-LSTM worse on PR-AUC" in section


def test_fig4_draws_the_grid_without_its_control_runs_and_names_the_jpeg_copy(results, tmp_path, monkeypatch):
    drawn = {}
    real_errorbar = fig4.plt.Axes.errorbar

    def spy(ax, x, y, *args, **kwargs):
        drawn[ax] = list(y)
        return real_errorbar(ax, x, y, *args, **kwargs)

    monkeypatch.setattr(fig4.plt.Axes, "errorbar", spy)
    fig4.draw(results, tmp_path / "out")
    ax = next(a for a in drawn if a.get_title().startswith("CIFAR-10"))  # titles are set after the data
    assert "JPEG copy" in ax.get_title() and "lossy" in ax.get_title()
    assert len(drawn[ax]) == 3 and min(drawn[ax]) > 20  # three ρ means, the 5 % control left out


def test_report_tests_each_panels_trend_and_reads_the_learning_rate_control(results):
    text = report.build_report(results)
    line = next(line for line in text.splitlines() if line.startswith("| Fig. 4 accuracy rises with ρ (CIFAR-10"))
    assert "JPEG copy" in line and "trend only" in line and "Spearman" in line and "p = " in line
    assert "| reproduced" in line
    section = text.split("## Fig. 4: the learning rate of each panel")[1].split("\n## ")[0]
    assert "×300.0" in section and "CIFAR-10, ρ = 0.1" in section  # 690 / 2.3: the diverging control seed


def test_the_detection_figures_name_the_headline_threshold_rule():
    import pandas as pd

    from fedad.results.tables import headline_text

    assert "1 % false alarms" in headline_text(pd.DataFrame({"headline_rule": ["false_alarm"] * 2}))
    assert "max F_θ" in headline_text(pd.DataFrame({"model": ["amcnn_lstm"]}))  # a run that records no rule
    assert "differ" in headline_text(pd.DataFrame({"headline_rule": ["false_alarm", "max_f"]}))


@pytest.mark.parametrize("metric", ["point.accuracy", "rmse"])
def test_the_bars_drawn_are_the_result_files_means_and_the_figure_says_its_profile(results, metric):
    """Figs. 5 and 6 draw what the result files hold: each bar is the mean over seeds of that model's
    runs on that data set in the paper's setting, in the data sets' order; the quick profile is stamped."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.container import BarContainer

    from fedad.figures.bars import bar_figure, model_label, order
    from fedad.models import NOT_FORECASTS
    from fedad.results.tables import load, paper_setting

    frame = paper_setting(load("detect", results))
    datasets, models = order(frame)
    models = [m for m in models if not (metric == "rmse" and m in NOT_FORECASTS)]
    fig = bar_figure(results, metric, "title {rule}", "y")
    try:
        drawn = {c.get_label(): [bar.get_height() for bar in c] for c in fig.axes[0].containers
                 if isinstance(c, BarContainer)}
        assert set(drawn) == {model_label(m) for m in models}
        for model in models:
            rows = frame[frame["model"] == model]
            want = [rows[rows["dataset"] == d][metric].mean() for d in datasets]
            np.testing.assert_allclose(drawn[model_label(model)], want, rtol=1e-9, err_msg=model)
        assert any("QUICK PROFILE" in t.get_text() for t in fig.texts)
    finally:
        plt.close(fig)
