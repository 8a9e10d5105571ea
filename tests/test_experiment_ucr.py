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


def test_stratified_covers_every_family_with_a_source_of_its_own_before_any_gives_a_second():
    source = ucr_data.archive_sources()
    chosen = ucr.choose_series("stratified", 60)
    first = chosen[:36]
    assert len(chosen) == 60 and len({f.family for f in first}) == 36
    taken = {source[f.id] for f in first}
    for f in ucr_data.catalogue():  # the 4 families left out share every source with one taken already
        if f.family not in {g.family for g in first}:
            assert source[f.id] in taken, f.name
    assert len({source[f.id] for f in chosen}) == 60  # no source twice while any is untaken
    everything = ucr.choose_series("stratified", 234)
    assert len({f.id for f in everything}) == 234  # n = all: the whole archive present, sources repeat at last
    assert len({source[f.id] for f in everything[:113]}) == 113


def test_the_stratified_order_is_seeded_and_favours_no_variant_kind():
    a, b = ucr.choose_series("stratified", 60, seed=0), ucr.choose_series("stratified", 60, seed=1)
    assert [f.id for f in a] == [f.id for f in ucr.choose_series("stratified", 60, seed=0)]
    assert [f.id for f in a] != [f.id for f in b]
    distorted = [sum(f.name.startswith("DISTORTED") for f in ucr.choose_series("stratified", 60, seed=s))
                 for s in range(5)]
    assert all(10 <= d <= 35 for d in distorted)  # ids put every DISTORTED twin first: 31 of 31 before
    first_round = a[:36]  # a stopped run is a sample: the first ten are not just the largest families
    sizes = sorted(((sum(g.family == f.family for g in ucr_data.catalogue()), f.id) for f in first_round),
                   reverse=True)
    assert {f.id for f in first_round[:10]} != {i for _, i in sizes[:10]}


def test_sources_join_twins_and_series_that_share_an_anomaly():
    source = ucr_data.archive_sources()
    for a, b in ((1, 93), (4, 94), (32, 140), (41, 149), (57, 104), (80, 188), (88, 196), (92, 200), (48, 50),
                 (70, 71), (71, 72)):
        assert source[a] == source[b], (a, b)
    assert source[1] != source[2] and source[109] != source[110]  # sddb40 variants with other anomalies
    assert len(set(source.values())) == 113


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
    first_learned = next(i for i, r in enumerate(runs) if r["training"] != "none")
    assert all(r["training"] == "none" for r in runs[:first_learned])  # the references run first
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
        assert {"hit_kdd", "hit_length", "pr_auc", "roc_auc", "vus_pr", "vus_roc", "location", "point",
                "location_error"} <= set(m)
        assert 0 <= m["vus_pr"] <= 100 and m["vus_window"] == 40  # the vus package's period rule
        assert m["anomaly"] == [2450, 2480] and m["window"] == 40 and m["factor"] == 1
        assert m["filename"] == NAME.removesuffix(".gz")  # what the report joins with TSB-UAD's table
    assert by["matrix_profile"]["hit_kdd"] and 2440 <= by["matrix_profile"]["location"] <= 2490
    assert by["amcnn_lstm_federated"]["training"] == "federated" and by["sae"]["fit_stride"] >= 2
    again = ucr.main(argv)  # cached: the same files, not a second training
    assert [r["wall_time_s"] for r in again] == [r["wall_time_s"] for r in out]


def test_absent_series_are_reported_not_run_and_not_drawn(fake_data, tmp_path, capsys):
    from fedad.figures import fig9
    from fedad.report.ucr import ucr_section

    results = tmp_path / "results"
    out = ucr.main(["--profile", "quick", "--results", str(results), "--quiet"])  # the fake data dir has no UCR file
    assert out == [] and "not run: data absent" in capsys.readouterr().out
    assert fig9.draw(results, tmp_path / "figs") == []
    assert "Not run: data absent for 4 series" in "\n".join(ucr_section(results))


@pytest.mark.parametrize(("profile", "series", "references"), [("quick", 4, 4), ("full", 60, 234),
                                                                 ("paper", 234, 234)])
def test_each_profile_names_its_series_and_the_papers_federated_setting(profile, series, references):
    runs = ucr.expand(load_config("ucr", profile))
    assert len({r["ucr_id"] for r in runs if r["training"] != "none"}) == series
    assert len({r["ucr_id"] for r in runs if r["detector"] == "matrix_profile"}) == references
    fed = {r["federated"]["rho"] for r in runs if r["training"] == "federated"}
    assert fed == {0.3}
