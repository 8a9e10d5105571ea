"""The measured link's bookkeeping: where a round's seconds go, and the link models (no deployment here;
tests/test_netlab.py runs a real one in namespaces)."""

import pytest

from fedad.experiments.comm_measured import compare, model, split


def test_the_split_follows_the_slowest_node_and_leaves_out_the_first_round():
    first = {"round": 0, "round_s": 30.0, "app_s": [20.0, 21.0], "app_start_s": [9.0, 9.0], "job_s": [5.0, 5.0],
             "compute_s": [1.0, 1.0], "encode_s": [0.1, 0.1]}
    later = {"round": 1, "round_s": 4.0, "app_s": [1.5, 2.5], "app_start_s": [1.0, 1.2], "job_s": [0.2, 0.8],
             "compute_s": [0.15, 0.6], "encode_s": [0.01, 0.05]}
    out = split([first, later, dict(later, round=2)], [{"aggregate_s": 9.0}, {"aggregate_s": 0.01},
                                                       {"aggregate_s": 0.03}])
    assert out["round_s"] == 4.0 and out["app_start_s"] == 1.2  # node 1 is the slowest (2.5 s)
    assert out["compute_s"] == pytest.approx(0.55) and out["encode_s"] == 0.05
    assert out["job_other_s"] == pytest.approx(0.2) and out["relay_s"] == pytest.approx(0.5)
    assert out["flower_s"] == pytest.approx(1.5) and out["aggregate_s"] == pytest.approx(0.02)
    parts = ("app_start_s", "job_other_s", "compute_s", "encode_s", "relay_s", "flower_s")
    assert sum(out[k] for k in parts) == pytest.approx(out["round_s"])


def test_a_round_without_node_timings_is_left_out():
    assert split([{"round": 0, "round_s": 1.0, "app_s": []}], [{"aggregate_s": 0.0}])["round_s"] is None


def test_shaped_runs_are_compared_with_their_own_modes_unshaped_run():
    rows = []
    for mode, base in (("long-lived", 4.0), ("subprocess", 12.0)):
        rows.append({"mode": mode, "compressor": "topk", "rate_mbit": None, "median_round_s": base,
                     "payload_up_per_round": 1e4, "payload_down_per_round": 1e5, "wire_up_per_round": 2e4,
                     "wire_down_per_round": 1e5})
        rows.append({"mode": mode, "compressor": "topk", "rate_mbit": 1.0, "median_round_s": base + 0.3,
                     "payload_up_per_round": 1e4, "payload_down_per_round": 1e5})
    # the polling control's unshaped run is not any mode's base
    rows.append({"mode": "long-lived", "node_poll_s": 0.1, "compressor": "topk", "rate_mbit": None,
                 "median_round_s": 0.5, "payload_up_per_round": 1e4, "payload_down_per_round": 1e5,
                 "wire_up_per_round": 2e4, "wire_down_per_round": 1e5})
    out = compare(rows, 10.0)
    long_lived, subprocess_ = out[1], out[3]
    assert long_lived["calibrated_s"] == pytest.approx(model(4.0, 2e4, 1e5, 1.0, 10.0))
    assert subprocess_["calibrated_s"] == pytest.approx(model(12.0, 2e4, 1e5, 1.0, 10.0))
