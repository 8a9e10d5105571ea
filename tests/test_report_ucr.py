"""REPORT.md's UCR section and Fig. 9 from a small synthetic results set; the verdict rules as functions."""

import numpy as np
import pytest

from fedad.experiments import report_ucr
from fedad.experiments.report_ucr import beats_verdict, equivalence_verdict, paired, per_series, ucr_section
from fedad.figures import fig9
from fedad.figures.result_tables import load
from fedad.results import ResultStore
from fedad.statistics import PairedTest

DETECTORS = {"amcnn_lstm_federated": ("amcnn_lstm", "federated"), "amcnn_lstm_centralised": ("amcnn_lstm", "centralised"),
             "lstm": ("lstm", "centralised"), "persistence": ("persistence", "none")}


def _test(mean, low, high, p, n=30) -> PairedTest:
    return PairedTest(mean, low, high, p, n, 0, 0, "test")


def test_beats_needs_a_significant_win_over_every_detector():
    win, tie, loss = _test(5, 2, 8, 0.01), _test(1, -2, 4, 0.4), _test(-5, -8, -2, 0.01)
    assert beats_verdict({"lstm": (win, tie), "persistence": (win, tie)}).verdict == "reproduced"
    v = beats_verdict({"lstm": (win, tie), "persistence": (tie, tie)})
    assert v.verdict == "not shown" and "persistence" in v.why
    v = beats_verdict({"lstm": (win, tie), "persistence": (win, loss)})  # more hits for persistence decides
    assert v.verdict == "not reproduced" and "persistence" in v.why


def test_costs_nothing_needs_the_interval_inside_the_margin():
    assert equivalence_verdict(_test(-1, -3, 2, 0.5), _test(0, -5, 5, 1.0)).verdict == "reproduced"
    assert equivalence_verdict(_test(-1, -9, 2, 0.5), _test(0, -5, 5, 1.0)).verdict == "undecided"
    assert equivalence_verdict(_test(-6, -9, -3, 0.01), _test(0, -5, 5, 1.0)).verdict == "not reproduced"
    assert equivalence_verdict(_test(0, 0, 0, 1.0, n=1), _test(0, 0, 0, 1.0, n=1)).verdict == "not run"
    few = equivalence_verdict(_test(-0.2, -0.2, -0.1, 0.5, n=4), _test(0, 0, 0, 1.0, n=4))
    assert few.verdict == "undecided" and "fewer than 10" in few.why  # a tight interval over 4 series proves nothing


@pytest.fixture
def results(tmp_path):
    rng = np.random.default_rng(0)
    for sid in range(1, 21):
        for det, (model, training) in DETECTORS.items():
            skill = {"amcnn_lstm_federated": 30, "amcnn_lstm_centralised": 31, "lstm": 10, "persistence": 20}[det]
            for seed in (0, 1) if training != "none" else (0,):
                pr = float(np.clip(skill + rng.normal(0, 3), 0, 100))
                ResultStore("ucr", tmp_path).save(
                    {"profile": "quick", "ucr_id": sid, "family": f"fam{sid % 5}", "detector": det, "model": model,
                     "training": training, "seed": seed},
                    {"hit_kdd": bool(pr > 22), "hit_length": bool(pr > 20), "pr_auc": pr, "roc_auc": 60 + pr / 2,
                     "base_rate": 2.0, "point": {"f1": pr / 2}, "name": f"S{sid}", "train_end": 1000,
                     "filename": f"{sid:03d}_UCR_Anomaly_S{sid}_1000_4001_4100.txt",
                     "anomaly": [4000, 4100], "family": f"fam{sid % 5}"}, 3.0)
    return tmp_path


def test_per_series_averages_seeds_and_takes_the_majority_hit(results):
    table = per_series(load("ucr", results))
    assert len(table) == 20 * 4 and table.groupby("detector").size().eq(20).all()
    assert table.filename.iloc[0].endswith("_UCR_Anomaly_S1_1000_4001_4100.txt")  # the run's file name, for the published join
    pr, hit = paired(table, "amcnn_lstm_federated", "lstm")
    assert pr.significant and pr.mean > 15 and hit.wins > 10


def test_the_section_holds_the_table_the_tests_and_both_verdicts(results):
    text = "\n".join(ucr_section(results))
    assert "## UCR anomaly archive" in text and "20 series from 5 source families" in text
    assert "exact McNemar" in text and "Wilcoxon" in text
    lines = {ln.split("|")[1].strip(): ln for ln in text.splitlines() if ln.startswith(("| AMCNN-LSTM (federated", "| federation with GCM"))}
    # federated is 10-20 PR-AUC points above LSTM and persistence on every series, 1 below centralised
    assert "| reproduced | significantly higher PR-AUC" in lines["AMCNN-LSTM (federated, GCM) beats the baselines and the references"]
    assert "| reproduced | the PR-AUC difference lies within ±5" in lines["federation with GCM costs nothing against centralised training"]
    assert "Published UCR scores" in text and "genta" in text


def test_no_results_no_section(tmp_path):
    assert ucr_section(tmp_path) == []


def test_fig9_draws_png_and_pdf(results, tmp_path):
    paths = fig9.draw(results, tmp_path / "out")
    assert [p.name for p in paths] == ["fig9.png", "fig9.pdf"] and all(p.stat().st_size > 1000 for p in paths)


def test_detector_labels_name_the_paper_setting():
    assert "federated GCM" in report_ucr.detector_label("amcnn_lstm_federated")
    assert report_ucr.order(["lstm", "amcnn_lstm_centralised", "amcnn_lstm_federated"])[0] == "amcnn_lstm_federated"
