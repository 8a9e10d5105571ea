from datetime import date, timedelta

import numpy as np
import pytest

from fedad.data.power_labels import (
    FIRST_DAY,
    HOLIDAYS_NL_1997,
    STEPS_PER_DAY,
    accuracy_ceiling,
    audit_labels,
    ceiling_flags,
    day_of,
)
from tests.conftest import needs_real

BRIDGE = date(1997, 5, 9)
WORKED_HOLIDAY = date(1997, 1, 1)


def _year(seed=0):
    """365 synthetic days: weekdays ~1000 with a seasonal drift, weekends 600, holidays and one bridge day
    700, except one holiday worked as usual."""
    rng = np.random.default_rng(seed)
    days = []
    for i in range(365):
        d = FIRST_DAY + timedelta(days=i)
        level = 1000 + 150 * np.sin(2 * np.pi * i / 365)
        if d.weekday() >= 5:
            level = 600
        elif (d in HOLIDAYS_NL_1997 and d != WORKED_HOLIDAY) or d == BRIDGE:
            level = 700
        days.append(level + 10 * rng.normal(size=STEPS_PER_DAY))
    return np.concatenate(days)


def test_audited_labels_are_the_days_the_two_rules_give():
    values = _year()
    audit = audit_labels(values)
    expected = sorted((set(HOLIDAYS_NL_1997) - {WORKED_HOLIDAY}) | {BRIDGE})
    assert audit.abnormal_days == expected
    assert audit.added == [BRIDGE] and audit.removed == [WORKED_HOLIDAY]
    flagged_days = np.unique(day_of(np.flatnonzero(audit.labels)))
    assert flagged_days.tolist() == [(d - FIRST_DAY).days for d in expected]
    assert audit.labels.sum() == len(expected) * STEPS_PER_DAY  # whole days, nothing else


def test_the_seasonal_drift_alone_marks_no_day():
    values = _year()
    audit = audit_labels(values)
    low_season = [d for d in audit.abnormal_days if d not in HOLIDAYS_NL_1997 and d != BRIDGE]
    assert low_season == [] and audit.borderline == []


def test_ceiling_flags_only_abnormal_days_the_label_set_marks():
    steps = np.arange(20 * STEPS_PER_DAY)
    labels = (steps >= 5 * STEPS_PER_DAY) & (steps < 12 * STEPS_PER_DAY)  # a week-long window
    abnormal = [FIRST_DAY + timedelta(days=8), FIRST_DAY + timedelta(days=15)]  # the second is unlabelled
    flags = ceiling_flags(labels, steps, abnormal)
    assert np.flatnonzero(flags).tolist() == list(range(8 * STEPS_PER_DAY, 9 * STEPS_PER_DAY))
    assert accuracy_ceiling(labels, steps, abnormal) == pytest.approx(100 * (1 - 6 / 20))


def test_too_short_a_series_is_refused_in_one_line():
    with pytest.raises(ValueError, match="at least one day"):
        audit_labels(np.ones(10))


@needs_real
def test_on_the_real_file_every_holiday_is_confirmed_and_liberation_day_added():
    from fedad.data.loaders import load_series

    ds = load_series("power_demand", labels="audited")
    audit = ds.notes["label_audit"]
    assert len(audit["confirmed"]) == len(HOLIDAYS_NL_1997) and audit["removed"] == []
    assert [a.split()[0] for a in audit["added"]] == ["1997-05-05"]
    with pytest.raises(ValueError, match="labels must be one of"):
        load_series("power_demand", labels="mine")
