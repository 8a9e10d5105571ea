"""REPORT.md's UCR section and Fig. 9 from a small synthetic results set; the verdict rules as functions."""

import json

import numpy as np
import pytest

from fedad.figures import fig9
from fedad.report import ucr as report_ucr
from fedad.report.ucr import beats_verdict, equivalence_verdict, paired, per_series, ucr_section
from fedad.results import ResultStore
from fedad.results.tables import load, load_raw
from fedad.results.ucr import common_series
from fedad.statistics import Equivalence, PairedTest

DETECTORS = {"amcnn_lstm_federated": ("amcnn_lstm", "federated"), "amcnn_lstm_centralised": ("amcnn_lstm", "centralised"),
             "lstm": ("lstm", "centralised"), "persistence": ("persistence", "none")}


def _test(mean, low, high, p, n=30) -> PairedTest:
    return PairedTest(mean, low, high, p, n, 0, 0, "test")


def test_beats_needs_every_comparison_significant_after_holm():
    win, tie, loss = _test(5, 2, 8, 0.001), _test(1, -2, 4, 0.4), _test(-5, -8, -2, 0.001)
    assert beats_verdict({"lstm": (win, win), "persistence": (win, win)}).verdict == "reproduced"
    v = beats_verdict({"lstm": (win, win), "persistence": (win, tie)})  # every comparison must be significant
    assert v.verdict == "not shown" and "persistence" in v.why and "UCR hits" in v.why
    v = beats_verdict({"lstm": (win, win), "persistence": (win, loss)})  # more hits for persistence decides
    assert v.verdict == "not reproduced" and "UCR hits" in v.why
    # p = 0.02 on each of 4 tests: significant alone, not after Holm (0.02 × 4 = 0.08)
    marginal = _test(5, 2, 8, 0.02)
    v = beats_verdict({"lstm": (marginal, marginal), "persistence": (marginal, marginal)})
    assert v.verdict == "not shown" and "Holm p = 0.08" in v.why
    assert beats_verdict({}).verdict == "not run"


def _equivalence(mean, low, high, p, units=30, margin=5.0) -> Equivalence:
    return Equivalence(mean, low, high, p, margin, units)


def test_costs_nothing_needs_tost_on_both_pr_auc_and_hits():
    none = _test(0, -2, 2, 0.8)
    inside, outside = _equivalence(-1, -3, 1, 0.001), _equivalence(-1, -7, 5, 0.3)
    assert equivalence_verdict(none, none, inside, inside).verdict == "reproduced"
    v = equivalence_verdict(none, none, inside, outside)  # "not significant" is not "the same"
    assert v.verdict == "undecided" and "equivalence not shown" in v.why and "UCR hits" in v.why
    assert equivalence_verdict(_test(-6, -9, -3, 0.01), none, outside, inside).verdict == "not reproduced"
    assert equivalence_verdict(_test(0, 0, 0, 1.0, n=1), none, inside, inside).verdict == "not run"
    few = equivalence_verdict(none, none, _equivalence(-0.2, -0.3, -0.1, 0.001, units=4), inside)
    assert few.verdict == "undecided" and "fewer than 10" in few.why  # a tight interval over 4 sources proves nothing


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
                     "vus_pr": pr + 5, "vus_roc": 65 + pr / 2, "window": 50, "factor": 2, "period_points": 100,
                     "location_error": {"from_begin": -150 if pr <= 22 else 10, "from_end": -250 if pr <= 22 else -90},
                     "base_rate": 2.0, "point": {"f1": pr / 2}, "name": f"S{sid}", "train_end": 1000,
                     "filename": f"{sid:03d}_UCR_Anomaly_S{sid}_1000_4001_4100.txt",
                     "anomaly": [4000, 4100], "family": f"fam{sid % 5}"}, 3.0)
    return tmp_path


def test_per_series_averages_seeds_and_takes_the_majority_hit(results):
    table = per_series(load("ucr", results))
    assert len(table) == 20 * 4 and table.groupby("detector").size().eq(20).all()
    assert table.filename.iloc[0].endswith("_UCR_Anomaly_S1_1000_4001_4100.txt")  # the run's file name, for the published join
    c = paired(table, "amcnn_lstm_federated", "lstm")
    assert c.pr.significant and c.pr.mean > 15 and c.hit.wins > 10 and c.vus.mean > 15
    # ids 1–20 are the archive's: 12–13 share one ECG anomaly and 14–18 another, so 15 sources
    assert c.pr.n == 20 and c.pr.sources == 15 and c.pr_sign.test == "sign test"


def test_every_table_stands_on_the_series_every_detector_finished(results):
    table = per_series(load("ucr", results))
    table = table[~((table.detector == "lstm") & (table.ucr_id <= 3))]  # LSTM did not finish three series
    common, missing = common_series(table, ["amcnn_lstm_federated", "lstm", "persistence"])
    assert common.groupby("detector").size().eq(17).all()
    assert missing == {"amcnn_lstm_federated": 0, "lstm": 3, "persistence": 0}


def test_the_section_holds_the_table_the_tests_and_both_verdicts(results):
    text = "\n".join(ucr_section(results))
    assert "## UCR anomaly archive" in text and "same 20 series (15 independent sources, 5 families" in text
    assert "sign test over sources" in text and "Wilcoxon" in text and "VUS-PR" in text and "Holm" in text
    lines = {ln.split("|")[1].strip(): ln for ln in text.splitlines() if ln.startswith(("| AMCNN-LSTM (federated", "| federation with GCM"))}
    # federated is 10-20 PR-AUC points above LSTM and persistence on every series; hits need not follow
    beats = lines["AMCNN-LSTM (federated, GCM) beats the baselines and the references"]
    assert "| reproduced | all 4 comparisons" in beats  # LSTM and persistence, each on PR-AUC and hits
    costs = next(v for k, v in lines.items() if k.startswith("federation with GCM costs nothing"))
    assert "TOST" in costs and "±5 PR-AUC points" in costs
    assert "Where misses point" in text and "−1.5" not in text and "-1.5" in text  # −150 points / 100
    assert "Published UCR scores" in text and "genta" in text


def test_no_results_no_section(tmp_path):
    assert ucr_section(tmp_path) == []


def test_fig9_draws_png_and_pdf(results, tmp_path):
    paths = fig9.draw(results, tmp_path / "out")
    assert [p.name for p in paths] == ["fig9.png", "fig9.pdf"] and all(p.stat().st_size > 1000 for p in paths)


def test_detector_labels_name_the_paper_setting():
    assert "federated GCM" in report_ucr.detector_label("amcnn_lstm_federated")
    assert report_ucr.order(["lstm", "amcnn_lstm_centralised", "amcnn_lstm_federated"])[0] == "amcnn_lstm_federated"


def test_a_run_split_over_machines_says_where_each_part_ran(results):
    assert "Where the runs ran" not in "\n".join(ucr_section(results))  # one machine: nothing to say
    for path in sorted((results / "ucr").glob("[0-9a-f]*.json"))[:7]:
        data = json.loads(path.read_text())
        if data["config"]["training"] != "none":
            data["environment"].update(cuda="Some GPU", device_env="cuda", torch="9.9")
            path.write_text(json.dumps(data))
    where = report_ucr.machines(load_raw("ucr", results))
    gpu = where[where.machine.str.startswith("Some GPU")]
    assert len(where) == 2 and gpu.torch.tolist() == ["9.9"] and gpu["training-free"].tolist() == [0]
    assert where.learned.sum() == 20 * 3 * 2 and where["training-free"].sum() == 20
    assert "Where the runs ran" in "\n".join(ucr_section(results))
