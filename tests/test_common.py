"""reproduce/common.py: config loading and overrides, cached / skipped / forced runs."""

import argparse

import pytest

from fedad.experiments.common import ConfigError, apply_overrides, load_config, run_all, run_cached
from tests.conftest import needs_real


def test_every_shipped_config_loads_for_every_profile():
    for profile in ("quick", "full", "paper"):
        for experiment in ("tune_rho", "detect", "comm"):
            cfg = load_config(experiment, profile)
            assert cfg["profile"] == profile and cfg["seeds"]


def test_paper_profile_keeps_the_papers_hyperparameters():
    for experiment in ("tune_rho", "comm"):
        fed = load_config(experiment, "paper")["federated"]
        assert (fed["n_workers"], fed["batch_size"]) == (10, 128)
    assert load_config("tune_rho", "paper")["federated"]["lr"] == 0.001
    detect = load_config("detect", "paper")
    assert detect["lr"] == {"default": 0.001} and detect["federated"]["n_workers"] == 10
    assert detect["budget"]["max_epochs"] == detect["budget"]["min_epochs"] == 1000 and detect["theta"] == 0.05
    assert detect["train"]["batch_size"] == detect["federated"]["batch_size"] == 128


@needs_real
def test_equal_budgets_within_every_profile():
    """Caps and patience are in epochs and the same for every model of a data set."""
    from fedad.experiments import detect

    for profile in ("quick", "full"):
        cfg = load_config("detect", profile)
        for run in detect.expand(cfg, allow_no_test_anomaly=True):
            if run["training"] in ("centralised", "federated") and run["model"] != "svm":
                assert run["budget"] == detect._budget(cfg, run["dataset"])


def test_bad_config_files_raise_config_error(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("experiment: detect\nseeds: []\n")
    with pytest.raises(ConfigError, match="seeds"):
        load_config("detect", "quick", bad)
    bad.write_text("experiment: comm\nseeds: [0]\n")
    with pytest.raises(ConfigError, match="not 'detect'"):
        load_config("detect", "quick", bad)
    bad.write_text(": : :")
    with pytest.raises(ConfigError, match="YAML"):
        load_config("detect", "quick", bad)
    with pytest.raises(ConfigError, match="profile"):
        load_config("detect", "fast")


def test_overrides_parse_yaml_values_and_reject_unknown_keys():
    cfg = {"federated": {"rounds": 5}, "seeds": [0]}
    out = apply_overrides(cfg, ["federated.rounds=7", "seeds=[1, 2]"])
    assert out["federated"]["rounds"] == 7 and out["seeds"] == [1, 2] and cfg["federated"]["rounds"] == 5
    with pytest.raises(ConfigError, match="unknown key"):
        apply_overrides(cfg, ["federated.round=7"])
    with pytest.raises(ConfigError, match=r"key\.sub=value"):
        apply_overrides(cfg, ["rounds"])


def _fn(calls):
    def fn(run, store, progress):
        calls.append(run["x"])
        return {"metrics": {"y": run["x"] * 2}}
    return fn


def test_finished_runs_are_skipped_and_force_reruns(tmp_path):
    calls = []
    run = {"x": 3, "seed": 0}
    assert run_cached("e", run, _fn(calls), tmp_path)["metrics"] == {"y": 6}
    run_cached("e", run, _fn(calls), tmp_path)
    assert calls == [3]
    run_cached("e", run, _fn(calls), tmp_path, force=True)
    assert calls == [3, 3]


def test_a_failed_run_leaves_no_result_file(tmp_path):
    def boom(run, store, progress):
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        run_cached("e", {"x": 1}, boom, tmp_path)
    assert not list((tmp_path / "e").glob("*.json")) if (tmp_path / "e").exists() else True


def test_run_all_returns_results_in_order(tmp_path):
    calls = []
    args = argparse.Namespace(force=False, jobs=1, results=tmp_path, quiet=True)
    out = run_all("e", [{"x": 1}, {"x": 2}], _fn(calls), args)
    assert [r["metrics"]["y"] for r in out] == [2, 4] and calls == [1, 2]


def test_a_pool_worker_ends_when_its_parent_is_gone():
    import os
    import threading

    from fedad.lifetime import watch_parent

    ended = threading.Event()
    watch_parent(os.getppid(), interval=0.01, exit_fn=lambda code: ended.set())
    assert not ended.wait(0.1)  # the parent lives: the worker goes on
    watch_parent(-1, interval=0.01, exit_fn=lambda code: ended.set())  # a parent that is not ours any more
    assert ended.wait(2)


def _fail_first_then_sleep(run, store, progress):
    import time

    if run["i"] == 0:
        raise FloatingPointError("diverged")
    time.sleep(0.5)
    return {"metrics": {"i": run["i"]}}


def test_the_first_failure_in_a_parallel_experiment_cancels_the_queued_runs(tmp_path):
    runs = [{"experiment": "t", "profile": "quick", "i": i} for i in range(12)]
    args = argparse.Namespace(quiet=True, force=False, results=tmp_path, jobs=2)
    with pytest.raises(FloatingPointError):
        run_all("t", runs, _fail_first_then_sleep, args)
    assert len(list((tmp_path / "t").glob("*.json"))) < 11  # without cancelling, all 11 others would run


def test_one_learning_rate_rule_for_every_experiment():
    from fedad.experiments.common import learning_rate

    table = {"lr": {"amcnn_lstm/federated": 0.05, "lstm": 0.3, "default": 0.1}}
    assert learning_rate(table, "amcnn_lstm", "federated") == 0.05
    assert learning_rate(table, "amcnn_lstm", "centralised") == 0.1
    assert learning_rate(table, "lstm", "federated") == 0.3
    with pytest.raises(ConfigError, match="no learning rate for gru/federated"):
        learning_rate({"lr": {"lstm": 0.3}}, "gru", "federated")


def test_comm_and_ucr_read_the_learning_rate_by_the_same_rule_and_refuse_a_missing_one():
    from fedad.data.ucr_archive import parse_filename
    from fedad.experiments import comm, ucr

    cfg = load_config("comm", "quick")
    cfg["lr"] = {"amcnn_lstm/federated": 0.05, "default": 0.1}
    by_model = {r["model"]: r["federated"]["lr"] for r in comm.expand(cfg)}
    assert by_model["amcnn_lstm"] == 0.05 and all(lr == 0.1 for m, lr in by_model.items() if m != "amcnn_lstm")
    cfg["lr"] = {"lstm": 0.3}
    with pytest.raises(ConfigError, match="no learning rate"):
        comm.expand(cfg)
    ucr_cfg = load_config("ucr", "quick")
    ucr_cfg["lr"] = {"lstm": 0.3}
    settings = ucr.UcrSettings(**ucr_cfg.get("protocol", {}))
    meta = parse_filename("001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt")
    with pytest.raises(ConfigError, match="no learning rate for amcnn_lstm/federated"):
        ucr._run(ucr_cfg, settings, meta, "amcnn_lstm_federated", {"model": "amcnn_lstm"}, "federated", 0)


def test_a_per_data_set_value_falls_back_to_its_default_and_names_what_is_missing():
    from fedad.experiments.common import per_dataset

    assert per_dataset({"default": 2000, "engine": 400}, "power_demand_audited") == 2000
    assert per_dataset(12, "engine") == 12
    with pytest.raises(ConfigError, match="power_demand_audited"):
        per_dataset({"engine": 400}, "power_demand_audited")
