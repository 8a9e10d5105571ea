"""REPORT.md's measured-link part: a crossover per app mode beside the in-process one, the polling
control, and where a round's seconds go."""

import json

import numpy as np
import pytest

from fedad.report.comm import crossover_edge, measured_section
from tests.result_fixture import fill_measured


def test_the_crossover_edge_is_the_highest_bandwidth_at_or_below_the_level():
    grid = np.logspace(-2, 3, 101)
    ratio = 0.2 + 0.15 * np.log10(grid / 0.01)  # rises through 0.5 at 1 Mbit/s
    assert crossover_edge(grid, ratio) == pytest.approx(1.0, rel=0.15)
    assert crossover_edge(grid, np.full_like(grid, 0.9)) is None


def test_each_app_mode_gets_its_crossover_beside_the_in_process_one(tmp_path):
    fill_measured(tmp_path)
    grid = np.logspace(-1, 3, 41)
    modelled = (grid, np.where(grid <= 5.0, 0.3, 0.9))  # in process: GCM ≤ 0.5 up to 5 Mbit/s
    text = "\n".join(measured_section(tmp_path, modelled))
    assert "Deployment, long-lived apps: a dense round costs 4.0 s" in text
    assert "Deployment, subprocess apps: a dense round costs 12.0 s" in text
    assert "Control, long-lived apps with the SuperNode's waits capped at 0.1 s" in text
    # the longer the unshaped round, the slower the link must be before GCM halves it
    edges = [float(t.split("the in-process crossover is ")[1].split("×")[0])
             for t in text.split(". ") if "the in-process crossover is" in t]
    assert len(edges) == 3 and edges[2] > edges[0] > edges[1]  # subprocess > long-lived > control
    assert "| long-lived, control: SuperNode waits ≤ 0.1 s |" in text and "Flower delivery" in text
    assert "Starting Python and importing `flwr-clientapp` alone takes 1.60 s" in text


def test_rows_measured_before_the_app_modes_read_as_subprocess(tmp_path):
    fill_measured(tmp_path)
    path = tmp_path / "comm_measured" / "measured.json"
    data = json.loads(path.read_text())
    data["rows"] = [{k: v for k, v in r.items() if k not in ("mode", "node_poll_s", "split")}
                    for r in data["rows"] if r["mode"] == "subprocess"]
    path.write_text(json.dumps(data))
    text = "\n".join(measured_section(tmp_path))
    assert "Deployment, subprocess apps" in text and "Deployment, long-lived" not in text
