import numpy as np

from fedad.data.events import count_events, event_runs


def test_event_runs_are_maximal_contiguous_runs():
    lab = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    assert event_runs(lab) == [(1, 3), (5, 6), (7, 10)]
    assert event_runs(np.zeros(5, bool)) == [] and event_runs(np.ones(3, bool)) == [(0, 3)]
    assert event_runs(np.array([], bool)) == []


def test_count_events_sums_over_segments():
    parts = [np.array([0, 1, 1, 0], bool), np.array([1, 0, 1], bool), np.zeros(2, bool)]
    assert count_events(parts) == {"events": 3, "anomalous_points": 4, "points": 9}
