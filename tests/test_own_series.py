"""``fedad own-series --csv``: the whole own-series path on a small synthetic CSV with injected faults."""

import json

import numpy as np
import pandas as pd
import pytest

from fedad.cli import main as fedad
from fedad.data.csv_series import load_csv_series
from fedad.data.datadir import DataMissingError, MalformedDataError

PERIOD = 24


def _write(tmp_path, n=2400, faults=((900, 930), (2050, 2080)), seed=0):
    """Hourly readings with a daily cycle; each fault is a sustained jump of 3 daily amplitudes."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    a = np.sin(2 * np.pi * t / PERIOD) + 0.05 * rng.normal(size=n)
    b = np.cos(2 * np.pi * t / PERIOD) + 0.05 * rng.normal(size=n)
    times = pd.date_range("2024-01-01", periods=n, freq="h")
    for s, e in faults:
        a[s:e] += 3.0
    frame = pd.DataFrame({"when": times, "a": a, "b": b})
    csv = tmp_path / "plant.csv"
    frame.to_csv(csv, index=False)
    labels = tmp_path / "faults.json"
    labels.write_text(json.dumps([[str(times[s]), str(times[e - 1])] for s, e in faults]))
    return csv, labels, frame


def test_the_own_series_path_finds_injected_faults_and_writes_its_outputs(tmp_path, capsys):
    csv, labels, _ = _write(tmp_path)
    out = tmp_path / "out"
    code = fedad(["own-series", "--csv", str(csv), "--time-column", "when", "--columns", "a,b", "--labels", str(labels),
                  "--workers", "4", "--rho", "1", "--max-epochs", "4", "--patience", "2", "--quiet", "--out", str(out)])
    assert code == 0
    for name in ("result.json", "scores.csv", "series.png", "report.md"):
        assert (out / name).stat().st_size > 100, name
    result = json.loads((out / "result.json").read_text())
    assert result["window"] == PERIOD and result["events"]["test"]["events"] == 1
    assert result["detector"]["event_recall"] == 100.0  # the injected test fault is found
    scores = pd.read_csv(out / "scores.csv")
    assert {"time", "part", "label", "score", "flag"} <= set(scores.columns)
    assert scores[scores.part == "test"].label.any()
    assert any(f["touches_label"] for f in result["flagged_intervals"])
    assert "Flagged intervals" in (out / "report.md").read_text()


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda f: f.iloc[::-1], "not increasing at row"),
    (lambda f: f.drop(index=range(100, 110)), "a gap in the time column at row"),
    (lambda f: f.assign(a=f.a.where(f.index != 50)), "'a' has 1 missing values (first at row 52)"),
    (lambda f: f.assign(b=f.b.astype(str).where(f.index != 7, "broken")), "'b' is not numeric (value 'broken' at row 9)"),
])
def test_bad_csv_gets_one_line_naming_the_problem(tmp_path, mutate, message, capsys):
    csv, _, frame = _write(tmp_path, n=400, faults=((100, 110),))
    mutate(frame).to_csv(csv, index=False)
    assert fedad(["own-series", "--csv", str(csv), "--time-column", "when", "--columns", "a,b", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fedad: error:") and message in err and "\n" not in err and "Traceback" not in err


def test_intervals_outside_the_series_and_missing_columns_are_named(tmp_path):
    csv, labels, _ = _write(tmp_path, n=400, faults=((100, 110),))
    labels.write_text(json.dumps([["2030-01-01", "2030-01-02"]]))
    with pytest.raises(MalformedDataError, match="outside the series"):
        load_csv_series(csv, "when", ["a"], labels)
    with pytest.raises(MalformedDataError, match=r"column\(s\) \['c'\] not in plant.csv"):
        load_csv_series(csv, "when", ["a", "c"])
    with pytest.raises(DataMissingError, match="not found"):
        load_csv_series(tmp_path / "nope.csv", "when")


def test_gaps_can_split_the_series_instead(tmp_path):
    csv, _, frame = _write(tmp_path, n=400, faults=())
    frame.drop(index=range(200, 210)).to_csv(csv, index=False)
    ds, stamps = load_csv_series(csv, "when", ["a", "b"], gaps="split")
    assert [len(s) for s in ds.sequences] == [200, 190] and len(stamps) == 2


def test_packaged_metropt_failures_are_the_documented_ones():
    from fedad.data.metropt import FAILURES
    from fedad.experiments.own_series import labels_path

    assert len(FAILURES) == 4 and json.loads(labels_path("metropt3").read_text())["intervals"][0][0].startswith("2020-04-18")
