"""``fedad own-series --csv``: the whole own-series path on a small synthetic CSV with injected faults."""

import json

import numpy as np
import pandas as pd
import pytest

from fedad.cli import main as fedad
from fedad.data.csv_series import GapPolicy, drop_short, load_csv_series
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
    (lambda f: f.iloc[::-1], "steps back at row 3"),
    (lambda f: pd.concat([f.iloc[:51], f.iloc[[50]], f.iloc[51:]]), "row 53 repeats the time stamp"),
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
    series = load_csv_series(csv, "when", ["a", "b"], gaps="split")
    assert [len(s) for s in series.dataset.sequences] == [200, 190] and len(series.stamps) == 2
    assert series.changes["gaps_split"] == 1 and not any(m.any() for m in series.interpolated)


def test_the_options_named_in_the_errors_read_unsorted_and_duplicated_rows(tmp_path):
    csv, _, frame = _write(tmp_path, n=100, faults=())
    backwards = frame.iloc[::-1]  # written newest first, and row 10 twice (the second time 2 higher)
    again = frame.iloc[[10]].assign(a=frame.a[10] + 2.0)
    pd.concat([backwards.iloc[:90], again, backwards.iloc[90:]]).to_csv(csv, index=False)
    with pytest.raises(MalformedDataError, match="pass --sort"):
        load_csv_series(csv, "when", ["a", "b"])
    with pytest.raises(MalformedDataError, match="pass --duplicates first, last or mean"):
        load_csv_series(csv, "when", ["a", "b"], sort=True)
    for how, want in (("first", frame.a[10]), ("last", frame.a[10] + 2.0), ("mean", frame.a[10] + 1.0)):
        series = load_csv_series(csv, "when", ["a", "b"], sort=True, duplicates=how)
        values = series.dataset.sequences[0]
        assert len(values) == 100 and series.changes["duplicates_merged"] == 1 and series.changes["rows_sorted"] > 0
        assert np.isclose(values[10, 0], want, atol=1e-6) and np.allclose(values[:, 1], frame.b, atol=1e-6)
        np.testing.assert_array_equal(series.stamps[0], frame.when.to_numpy())


def test_short_gaps_are_interpolated_in_time_and_long_ones_split(tmp_path):
    csv, labels, frame = _write(tmp_path, n=300, faults=((40, 50),))
    frame.drop(index=[44, 45, 120, *range(200, 220)]).to_csv(csv, index=False)  # two short gaps, one long
    series = load_csv_series(csv, "when", ["a", "b"], labels, gaps="interpolate:3")
    assert [len(s) for s in series.dataset.sequences] == [200, 80]
    assert series.changes | {"rows_read": 0} == {"rows_read": 0, "rows_sorted": 0, "duplicates_merged": 0,
                                                  "points_interpolated": 3, "gaps_filled": 2, "gaps_split": 1}
    filled = series.interpolated[0]
    assert np.flatnonzero(filled).tolist() == [44, 45, 120] and not series.interpolated[1].any()
    a = series.dataset.sequences[0][:, 0]
    # linear in time between the neighbours, and the filled points inside the labelled interval are labelled
    np.testing.assert_allclose(a[44:46], frame.a[43] + (frame.a[46] - frame.a[43]) * np.array([1, 2]) / 3, atol=1e-5)
    assert series.dataset.labels[0][40:50].all() and not series.dataset.labels[0][120]
    np.testing.assert_array_equal(series.stamps[0], frame.when.to_numpy()[:200])
    with pytest.raises(MalformedDataError, match="pass --gaps interpolate"):
        load_csv_series(csv, "when", ["a", "b"])
    assert GapPolicy.parse("interpolate") == GapPolicy("interpolate", 3)
    with pytest.raises(ValueError, match="interpolate:MAX"):
        GapPolicy.parse("interpolate:0")


def test_split_drops_pieces_too_short_and_says_how_much(tmp_path):
    csv, _, frame = _write(tmp_path, n=300, faults=())
    frame.drop(index=[100, 130]).to_csv(csv, index=False)  # pieces of 100, 29 and 169 points
    series = drop_short(load_csv_series(csv, "when", ["a", "b"], gaps="split"), 50)
    assert [len(s) for s in series.dataset.sequences] == [100, 169]
    assert series.changes["pieces_dropped"] == 1 and series.changes["points_dropped"] == 29


def test_too_little_left_is_one_line_naming_what_is_needed_and_the_option(tmp_path, capsys):
    csv, _, frame = _write(tmp_path, n=600, faults=())
    frame.drop(index=range(20, 600, 40)).to_csv(csv, index=False)  # a dropout every 40 hours
    args = ["own-series", "--csv", str(csv), "--time-column", "when", "--columns", "a,b", "--quiet"]
    assert fedad([*args, "--gaps", "split"]) == 2
    err = capsys.readouterr().err.strip()
    assert "too little is left" in err and "holds 39 points" in err and "--gaps interpolate:MAX" in err
    assert "\n" not in err
    assert fedad([*args, "--gaps", "nonsense"]) == 2
    assert "interpolate:MAX" in capsys.readouterr().err


def test_interpolated_points_are_marked_never_scored_and_counted(tmp_path):
    csv, labels, frame = _write(tmp_path, n=2400, faults=((900, 930), (2050, 2080)))
    gone = [1900, 2300, 2301]
    frame.drop(index=gone).to_csv(csv, index=False)
    out = tmp_path / "out"
    assert fedad(["own-series", "--csv", str(csv), "--time-column", "when", "--columns", "a,b", "--labels",
                  str(labels), "--out", str(out), "--max-epochs", "3", "--patience", "2", "--gaps", "interpolate:2",
                  "--quiet"]) == 0
    result = json.loads((out / "result.json").read_text())
    assert result["changes"]["points_interpolated"] == 3 and result["changes"]["gaps_filled"] == 2
    scores = pd.read_csv(out / "scores.csv", parse_dates=["time"])
    assert not scores.time.isin(frame.when[gone]).any()  # never scored
    assert scores[scores.part == "test"].time.isin(frame.when[gone[0] - 5 : gone[0] + 5]).sum() == 9
    assert {"persistence", "seasonal_naive", "raw_value", "matrix_profile", "flag_nothing"} <= set(result["references"])
    report = (out / "report.md").read_text()
    assert "3 points interpolated" in report and "2 gaps filled" in report
    events_cell = next(line for line in report.splitlines() if line.startswith("| AMCNN-LSTM")).split("|")
    assert any(cell.strip() == "1" for cell in events_cell)  # the events column prints an integer


def test_packaged_metropt_failures_are_the_documented_ones():
    from fedad.data.metropt import FAILURES
    from fedad.experiments.own_series import labels_path

    assert len(FAILURES) == 4 and json.loads(labels_path("metropt3").read_text())["intervals"][0][0].startswith("2020-04-18")
