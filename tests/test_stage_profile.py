"""`fedad profile`: stage and run-kind tables from result files, and the split of a profiled run."""

from __future__ import annotations

import cProfile
import json
import pstats

import pytest

from fedad.experiments import stage_profile
from fedad.federated.loop import build_trainer
from tests.fl_helpers import blob_task, mlp


def _result(folder, name: str, label: str, wall: float, compute: list[float] | None = None) -> str:
    records = [{"compute_s": compute, "aggregate_s": 0.5}] if compute else []
    (folder / f"{name}.json").write_text(json.dumps({"config": {"label": label}, "wall_time_s": wall,
                                                     "records": records}))
    return name


def test_stage_and_kind_tables_read_the_current_runs(tmp_path):
    folder = tmp_path / "tune_rho"
    folder.mkdir()
    names = [_result(folder, "a", "mnist rho=0.3 seed=0", 10.0, [1.0, 2.0]),
             _result(folder, "b", "mnist rho=0.3 seed=1", 30.0, [3.0, 3.0]),
             _result(folder, "c", "cifar10 rho=1 seed=0", 20.0)]
    _result(folder, "stale", "mnist rho=0.3 seed=9", 99.0)  # not in _current: an older config's file
    (folder / "_current_quick.json").write_text(json.dumps(names))
    (folder / "_stage_quick.json").write_text(json.dumps({"wall_s": 40.0, "jobs": 2, "runs": 3, "ran": 3}))

    [stage] = stage_profile.stage_rows(tmp_path, "quick")
    assert stage["runs"] == 3 and stage["run_s"] == 60.0 and stage["busy"] == pytest.approx(60 / 80)
    kinds = {k["kind"]: k for k in stage_profile.kind_rows(tmp_path, "quick")}
    assert set(kinds) == {"mnist rho=0.3", "cifar10 rho=1"}
    mnist = kinds["mnist rho=0.3"]
    assert mnist["runs"] == 2 and mnist["total_s"] == 40.0 and mnist["median_s"] == 20.0
    assert mnist["rounds_share"] == pytest.approx((3.5 + 6.5) / 40)
    text = stage_profile.markdown("quick", [stage], list(kinds.values()), None, None)
    assert "| tune_rho | 3 | 40.0 s | 60.0 s | 75 % |" in text


def test_a_partly_cached_stage_gives_no_wall_time(tmp_path):
    folder = tmp_path / "detect"
    folder.mkdir()
    (folder / "_current_quick.json").write_text(json.dumps([_result(folder, "a", "x seed=0", 5.0),
                                                            _result(folder, "b", "x seed=1", 5.0)]))
    (folder / "_stage_quick.json").write_text(json.dumps({"wall_s": 6.0, "jobs": 1, "runs": 2, "ran": 1}))
    [stage] = stage_profile.stage_rows(tmp_path, "quick")
    assert stage["wall_s"] is None and stage["busy"] is None


def test_a_round_record_may_hold_summed_compute():
    assert stage_profile._round_seconds({"compute_s": 1.5}) == 1.5
    assert stage_profile._round_seconds({"compute_s": [1.0, 2.0], "aggregate_s": 0.5}) == 3.5


def test_run_kind_drops_seed_and_device():
    assert stage_profile.run_kind("power_demand amcnn_lstm local_only seed=2 worker=7") == \
        "power_demand amcnn_lstm local_only"


def test_a_profiled_federated_run_splits_into_its_parts():
    settings = {"n_workers": 4, "rounds": 20, "batch_size": 8, "lr": 0.1, "compressor": "topk", "rho": 10.0,
                "value_format": "fp32", "engine": "serial"}
    trainer = build_trainer(blob_task(), mlp, settings, seed=0)
    profiler = cProfile.Profile()
    profiler.enable()
    trainer.run(progress=False)
    profiler.disable()
    split = stage_profile.split_profile(pstats.Stats(profiler))
    assert split["forward + backward"] > 0 and split["Algorithm 1 (compress, aggregate, broadcast)"] > 0
    assert split["encoding + decoding"] > 0 and split["evaluation"] > 0
    parts = sum(v for k, v in split.items() if k != "total")
    assert parts == pytest.approx(split["total"], rel=1e-6)


def test_no_results_is_a_one_line_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="make reproduce"):
        stage_profile.main(["--results", str(tmp_path)])
