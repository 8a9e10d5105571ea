import json

import pytest

from fedad.results import ResultStore, atomic_write_json, config_hash


def test_config_hash_ignores_key_order_and_sees_values():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_atomic_write_leaves_old_file_when_serialisation_fails(tmp_path):
    path = tmp_path / "r.json"
    atomic_write_json(path, {"ok": 1})
    with pytest.raises(TypeError):
        atomic_write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


def test_store_records_provenance_and_drops_checkpoint(tmp_path):
    store = ResultStore("exp", tmp_path)
    cfg = {"seed": 3, "lr": 0.1}
    store.save_checkpoint(cfg, {"round": 5})
    assert store.load_checkpoint(cfg) == {"round": 5}
    store.save(cfg, {"acc": 0.5}, wall_time_s=1.5, records=[{"round": 1}])
    saved = store.load(cfg)
    assert saved["seed"] == 3 and saved["config"] == cfg and saved["wall_time_s"] == 1.5
    assert {"torch", "numpy", "python", "fedad", "git_commit"} <= set(saved["environment"])
    assert store.load_checkpoint(cfg) is None and store.exists(cfg)


def test_a_stored_non_finite_number_reads_back_as_none(tmp_path):
    import json
    import math

    from fedad.results import ResultStore, finite_or_none

    path = ResultStore("t", tmp_path).save({"profile": "quick"}, {"a": math.nan, "b": math.inf, "c": 0.5}, 1.0)
    stored = json.loads(path.read_text())["metrics"]
    assert [finite_or_none(stored[k]) for k in "abc"] == [None, None, 0.5]
    assert finite_or_none("not a number") is None


def test_the_round_engine_reads_as_one_column_from_older_and_newer_files(tmp_path):
    from fedad.results.tables import load

    store = ResultStore("detect", tmp_path)
    store.save({"profile": "quick", "dataset": "engine", "seed": 0}, {"engine": "threads"}, 1.0)  # older files
    store.save({"profile": "quick", "dataset": "engine", "seed": 1}, {"round_engine": "serial"}, 1.0)
    frame = load("detect", tmp_path, "quick").sort_values("seed")
    assert list(frame.columns).count("round_engine") == 1 and "engine" not in frame.columns
    assert list(frame.round_engine) == ["threads", "serial"] and set(frame.dataset) == {"engine"}
