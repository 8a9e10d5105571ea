"""Table I and its companion, the labelled events per split (real data)."""

import pytest

from fedad.experiments.table1_counts import events_table, table1
from tests.conftest import real_data_available

pytestmark = pytest.mark.skipif(
    not real_data_available("engine_cmapss/train_FD001.txt", "engine_cmapss/test_FD001.txt",
                            "ecg/qtdbsel102.txt", "space_shuttle/TEK16.txt"), reason="real data absent")


def test_table1_counts_the_engine_from_100_engines():
    frame = table1().set_index("dataset")
    assert frame.loc["engine", "X"] == 100 and frame.loc["power_demand", "X_n"] == 45


def test_events_table_marks_data_sets_that_cannot_test_a_detector():
    frame = events_table()
    assert set(frame.split) == {"train", "validation", "test"}
    verdict = frame.groupby("dataset").can_test_detector.first()
    assert verdict["ecg_qtdbsel102"] == "no: no test event"
    assert (verdict.drop("ecg_qtdbsel102") == "yes").all()
    nasa = frame[(frame.dataset == "engine (NASA test file)") & (frame.split == "test")].iloc[0]
    assert nasa.events == 25 and nasa.points == 13096
