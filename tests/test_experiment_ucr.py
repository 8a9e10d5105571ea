"""The UCR experiment: the series rules, the runs a config makes, and one end-to-end quick run on a tiny
gzipped series with the archive's naming (every detector kind, cached on the second call)."""

import gzip

import numpy as np
import pytest

from fedad.data import ucr_archive as ucr_data
from fedad.experiments import ucr
from fedad.experiments.common import ConfigError, load_config

NAME = "901_UCR_Anomaly_tinyperiodic1_1600_2451_2480.txt.gz"


def test_shortest_per_family_takes_one_series_of_each_of_the_shortest_families():
    chosen = ucr.choose_series("shortest_per_family", 5)
    lengths = ucr._lengths()
    assert len(chosen) == 5 and len({f.family for f in chosen}) == 5
    firsts = {}
    for f in ucr_data.catalogue():  # the shortest series of every family
        if f.family not in firsts or lengths[f.id] < lengths[firsts[f.family].id]:
            firsts[f.family] = f
    cutoff = sorted(lengths[f.id] for f in firsts.values())[4]
    assert all(lengths[f.id] <= cutoff for f in chosen)


def test_stratified_covers_every_family_before_any_gives_a_second():
    families = {f.family for f in ucr_data.catalogue()}
    chosen = ucr.choose_series("stratified", 60)
    assert len(chosen) == 60 and {f.family for f in chosen} == families
    assert len(ucr.choose_series("stratified", 234)) == 234  # n = all: the whole archive present


def test_a_bad_rule_or_n_is_a_config_error():
    with pytest.raises(ConfigError, match="series rule must be one of"):
        ucr.choose_series("random", 5)
    with pytest.raises(ConfigError, match="needs n >= 1"):
        ucr.choose_series("stratified", 0)
    cfg = load_config("ucr", "quick")
    with pytest.raises(ConfigError, match="detector x: model must be one of"):
        ucr.expand({**cfg, "detectors": {"x": {"model": "prophet"}}})


def test_the_quick_config_runs_each_reference_once_and_learned_detectors_per_seed():
    cfg = load_config("ucr", "quick")
    runs = ucr.expand({**cfg, "seeds": [0, 1]})
    n = cfg["series"]["n"]
    learned = [d for d, s in cfg["detectors"].items() if s.get("training", "none") != "none"]
    assert len(runs) == n * (2 * len(learned) + len(cfg["detectors"]) - len(learned))
    fed = next(r for r in runs if r["detector"] == "amcnn_lstm_federated")
    assert fed["federated"]["rho"] == 0.3 and fed["federated"]["n_workers"] == 10


@pytest.fixture
def tiny(fake_data):
    rng = np.random.default_rng(0)
    t = np.arange(3200)
    x = np.sin(2 * np.pi * t / 40) + 0.05 * rng.standard_normal(t.size)
    x[2450:2480] = 0.0  # 1-based points 2451..2480: a flat stretch where a cycle should be
    fake_data.write(f"{ucr_data.FOLDER}/{NAME}", gzip.compress("\n".join(f"{v:.5f}" for v in x).encode(), mtime=0))
    return fake_data


def test_one_quick_run_scores_every_detector_kind_and_caches(tiny, tmp_path):
    detectors = ("{amcnn_lstm_federated: {model: amcnn_lstm, training: federated}, "
                 "sae: {model: sae, training: centralised}, persistence: {model: persistence}, "
                 "raw_value: {model: raw_value}, matrix_profile: {model: matrix_profile}}")
    argv = ["--profile", "quick", "--results", str(tmp_path / "results"), "--quiet",
            "--set", "series={rule: ids, ids: [901]}", "--set", f"detectors={detectors}",
            "--set", "budget={max_epochs: 2, patience: 1, min_epochs: 1}", "--set", "max_fit_windows=400"]
    out = ucr.main(argv)
    assert len(out) == 5
    by = {r["config"]["detector"]: r["metrics"] for r in out}
    for m in by.values():
        assert {"hit_kdd", "hit_length", "pr_auc", "roc_auc", "location", "point"} <= set(m)
        assert m["anomaly"] == [2450, 2480] and m["window"] == 40 and m["factor"] == 1
        assert m["filename"] == NAME.removesuffix(".gz")  # what the report joins with TSB-UAD's table
    assert by["matrix_profile"]["hit_kdd"] and 2440 <= by["matrix_profile"]["location"] <= 2490
    assert by["amcnn_lstm_federated"]["training"] == "federated" and by["sae"]["fit_stride"] >= 2
    again = ucr.main(argv)  # cached: the same files, not a second training
    assert [r["wall_time_s"] for r in again] == [r["wall_time_s"] for r in out]


def test_absent_series_are_reported_not_run_and_not_drawn(fake_data, tmp_path, capsys):
    from fedad.experiments.report_ucr import ucr_section
    from fedad.figures import fig9

    results = tmp_path / "results"
    out = ucr.main(["--profile", "quick", "--results", str(results), "--quiet"])  # the fake data dir has no UCR file
    assert out == [] and "not run: data absent" in capsys.readouterr().out
    assert fig9.draw(results, tmp_path / "figs") == []
    assert "Not run: data absent for 4 series" in "\n".join(ucr_section(results))


@pytest.mark.parametrize(("profile", "series"), [("quick", 4), ("full", 60), ("paper", 234)])
def test_each_profile_names_its_series_and_the_papers_federated_setting(profile, series):
    runs = ucr.expand(load_config("ucr", profile))
    assert len({r["ucr_id"] for r in runs}) == series
    fed = {r["federated"]["rho"] for r in runs if r["training"] == "federated"}
    assert fed == {0.3}
