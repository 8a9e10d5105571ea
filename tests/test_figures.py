"""Figures and the report draw from a small fixture results set (synthetic numbers, drawing only)."""

import pytest

from fedad.experiments import report
from fedad.figures import fig4, fig5, fig5b, fig6, fig7, fig8
from fedad.figures import table1 as table1_fig
from fedad.results import ResultStore, atomic_write_text

MODELS = ("amcnn_lstm", "cnn_lstm", "lstm", "gru", "sae", "svm", "persistence", "seasonal_naive")
DATASETS = ("power_demand", "space_shuttle", "ecg", "engine")


def _detect_metrics(i: int, seed: int, variant: str) -> dict:
    acc = 90 + i + seed + (0.5 if variant == "centralised" else 0)
    point = {"accuracy": acc, "precision": 50.0, "recall": 20.0, "f1": 28.0, "n_anomalous": 5}
    learned = variant != "reference"
    return {"point": point, "event": {"recall": 50.0 + i, "precision": 40.0}, "rmse": 0.05 + 0.01 * i,
            "threshold_free": {"pr_auc": 20.0 + i + seed, "roc_auc": 70.0, "base_rate": 6.9},
            "flag_nothing": {"point": {"accuracy": 93.0, "precision": None, "recall": 0.0, "f1": 0.0},
                             "event": {"recall": 0.0, "precision": None}},
            "paper_rule": {"point": {"accuracy": acc - 3, "precision": 10.0}, "event": {"recall": 100.0}},
            "point_adjusted_f1": 90.0, "trivial_accuracy": 93.0, "threshold": 10.0 if i else "inf",
            "threshold_rule": "validation: max F_θ (θ = 0.05)", "threshold_validation_percentile": 99.0,
            "window": 168, "window_rule": "dominant period", "protocol": {"resample": 4},
            "events": {p: {"events": 1, "points": 100} for p in ("train", "validation", "test")},
            "no_test_anomaly": False, "lr": 0.1 if learned else None,
            **({"epochs_run": 12.0, "best_epoch": 10.0, "max_epochs": 12, "best_val_loss": 0.01 + 0.001 * seed,
                "hit_cap": seed == 0} if learned else {})}


@pytest.fixture
def results(tmp_path):
    for ds in ("mnist", "fashion_mnist"):
        for rho in (0.3, 1.0, 100.0):
            for seed in (0, 1):
                ResultStore("tune_rho", tmp_path).save(
                    {"profile": "quick", "dataset": ds, "rho": rho, "seed": seed},
                    {"accuracy": 90 + rho / 20 + seed, "upload_compression_ratio": 100 / rho * 3,
                     "data_source": "MNIST 10k subset" if ds == "mnist" else "Fashion-MNIST 60k/10k"}, 1.0)
    atomic_write_text(tmp_path / "tune_rho" / "_absent_quick.json", '{}')
    for rho in (0.1, 1.0, 100.0):  # CIFAR-10 from the JPEG copy, accuracy rising with ρ
        for seed in (0, 1):
            ResultStore("tune_rho", tmp_path).save(
                {"profile": "quick", "dataset": "cifar10", "rho": rho, "seed": seed, "control": None},
                {"accuracy": 30 + 5 * (rho > 0.5) + 5 * (rho > 50) + seed, "upload_compression_ratio": 100 / rho * 3,
                 "data_source": "cifar10 (JPEG copy): lossy", "lr": 0.02, "first_train_loss": 2.3,
                 "max_train_loss": 2.3, "last_train_loss": 1.8}, 1.0)
    for seed in (0, 1):  # the learning-rate control at η = 0.05: seed 1 diverges; never drawn in Fig. 4
        ResultStore("tune_rho", tmp_path).save(
            {"profile": "quick", "dataset": "cifar10", "rho": 0.1, "seed": seed, "control": "lr", "lr": 0.05},
            {"accuracy": 5.0, "upload_compression_ratio": 3000.0, "data_source": "cifar10 (JPEG copy): lossy",
             "lr": 0.05, "first_train_loss": 2.3, "max_train_loss": 2.3 if seed == 0 else 690.0,
             "last_train_loss": 2.3 if seed == 0 else 4.6}, 1.0)
    for ds in DATASETS:
        for i, m in enumerate(MODELS):
            variants = {"amcnn_lstm": ["federated_gcm", "centralised", "federated_dense"]}.get(
                m, ["reference"] if m in ("persistence", "seasonal_naive") else ["centralised"])
            for variant in variants:
                for seed in (0, 1, 2) if variant != "reference" else (0,):
                    ResultStore("detect", tmp_path).save(
                        {"profile": "quick", "dataset": ds, "model": m, "variant": variant, "seed": seed},
                        _detect_metrics(i, seed, variant), 1.0)
    link = {"uplink_mbps": 1.0, "downlink_mbps": 10.0, "latency_ms": 50.0}
    for m in MODELS[:5]:
        for comp, down in (("none", None), ("topk", None), ("topk", 0.3)):
            gcm = comp == "topk"
            curve = [{"round": 10 * k, "epoch": k, "val_loss": 0.05 / k, "compute_s": 0.1 * k,
                      "bytes_up": (1e3 if gcm else 1e6) * k, "bytes_down": 1e4 * k, "link_s": 0.0}
                     for k in range(1, 6)]
            store = ResultStore("comm", tmp_path)
            config = {"profile": "quick", "model": m, "compressor": comp, "seed": 0, "epsilon": 0.1,
                      "federated": {"link": link}, **({"downlink_rho": down} if down else {})}
            path = store.save(config, {
                "per_round": {"compute_s": 0.1, "up_max": 300.0 if gcm else 2e5, "up_total": 3000.0 if gcm else 2e6,
                              "down": 2000.0 if gcm else 2e5, "link_s": 1.0},
                "fixed": {"compute_s": 1.0, "link_s": 2.0 if gcm else 50.0, "bytes_up": 1.0, "bytes_down": 1.0,
                          "total_s": 3.0}, "fixed_rounds": 100, "best_val_loss": 0.01, "epochs_run": 5, "max_epochs": 14,
                "upload_compression_ratio": 350.0 if gcm else 1.0, "upload_compression_ratio_fp32": 230.0 if gcm else 1.0,
                "n_params": 50000}, 1.0)
            import json as _json

            data = _json.loads(path.read_text())
            data["curve"] = curve
            atomic_write_text(path, _json.dumps(data))
    atomic_write_text(tmp_path / "comm" / "_config_quick.json", '{"sweep": {"low_mbps": 0.1, "high_mbps": 1000, '
                      '"points": 21, "downlink_factor": 10, "latency_ms": 50}}')
    for workload in ("mnist", "power_demand"):
        for name in ("dense", "topk_momentum", "qsgd8"):
            points = [{"rounds": r, "bytes_up": r * (1e6 if name == "dense" else 1e3), "accuracy": 80 + r / 10,
                       "val_rmse": 0.2 - r / 1000} for r in (30, 80, 150)]
            ResultStore("compressors", tmp_path).save(
                {"profile": "quick", "workload": workload, "name": name, "seed": 0}, {"points": points}, 1.0)
    atomic_write_text(tmp_path / "table1.csv",
                      "dataset,dims,X,X_n,X_a,paper_dims,paper_X,paper_X_n,paper_X_a,chunk_length\n"
                      "power_demand,1,1,45,7,1,1,45,6,672\n")
    return tmp_path


@pytest.mark.parametrize("module", [fig4, fig5, fig5b, fig6, fig7, fig8, table1_fig])
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
    # the verdicts themselves are tested on the rows (tests/test_report_detect.py); here, that the rows
    # reach the text
    assert "| Fig. 5 AMCNN-LSTM accuracy, power demand (%) | 96.85 |" in text


def test_controls_are_paired_with_intervals(results):
    text = report.build_report(results)
    assert "(a) centralised" in text and "(b) federated, ρ = 100" in text
    assert "federation (b − a)" in text and "[" in text.split("## Controls")[1].split("\n## ")[0]


def test_figures_read_only_the_latest_configs_runs(results):
    import json

    from fedad.figures.result_tables import load

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
    from fedad.figures.result_tables import load, paper_setting

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
    # the fixture gives CNN-LSTM (i = 5) a PR-AUC 5 points above AMCNN-LSTM's (i = 0) on every seed
    assert "-5.0" in section and "AMCNN-LSTM worse on PR-AUC" in section


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
