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
    assert set(result["references"]) == {"persistence", "seasonal_naive", "raw_value", "matrix_profile", "flag_nothing"}
    report = (out / "report.md").read_text()
    assert "Flagged intervals" in report and "matrix-profile discord" in report and "raw-value distance" in report
    assert "worth its training" in report and "Nothing in the file was changed." in report
    detector_row = next(line for line in report.splitlines() if line.startswith("| AMCNN-LSTM"))
    assert detector_row.rstrip(" |").endswith("| 1")  # the events column, an integer


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda f: f.iloc[::-1], "not increasing at row 3 (2024-01-17 15:00:00 then 2024-01-17 14:00:00); pass --sort"),
    (lambda f: pd.concat([f.iloc[:20], f.iloc[[19]], f.iloc[20:]]), "repeats 2024-01-01 19:00:00 at rows 21 and 22"),
    (lambda f: f.drop(index=range(100, 110)), "a gap in the time column at row 102"),
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
    ds, stamps, filled = load_csv_series(csv, "when", ["a", "b"], gaps="split")
    assert [len(s) for s in ds.sequences] == [200, 190] and len(stamps) == 2
    assert ds.notes["changes"]["gaps_cut"] == 1 and not any(m.any() for m in filled)


def test_packaged_metropt_failures_are_the_documented_ones():
    from fedad.data.metropt import FAILURES
    from fedad.experiments.own_series import labels_path

    assert len(FAILURES) == 4 and json.loads(labels_path("metropt3").read_text())["intervals"][0][0].startswith("2020-04-18")


def _ramp(tmp_path, times, values, name="ramp.csv"):
    csv = tmp_path / name
    pd.DataFrame({"when": times, "a": values}).to_csv(csv, index=False)
    return csv


def test_sort_puts_rows_in_time_order_and_counts_the_rows_out_of_order(tmp_path):
    times = pd.date_range("2024-01-01", periods=10, freq="h")
    order = [0, 1, 2, 5, 6, 3, 4, 7, 8, 9]  # a logger restart replays two rows late
    csv = _ramp(tmp_path, times[order], np.arange(10.0)[order])
    ds, stamps, _ = load_csv_series(csv, "when", sort=True)
    assert ds.sequences[0][:, 0].tolist() == list(range(10)) and (np.diff(stamps[0]) > np.timedelta64(0)).all()
    assert ds.notes["changes"]["rows_sorted"] == 2


@pytest.mark.parametrize(("rule", "value"), [("first", 3.0), ("last", 30.0), ("mean", 16.5)])
def test_duplicates_are_merged_by_the_rule_asked_for(tmp_path, rule, value):
    times = pd.date_range("2024-01-01", periods=6, freq="h")
    csv = _ramp(tmp_path, [*times[:4], times[3], *times[4:]], [0.0, 1.0, 2.0, 3.0, 30.0, 4.0, 5.0])
    with pytest.raises(MalformedDataError, match="repeats 2024-01-01 03:00:00 at rows 5 and 6; pass --duplicates"):
        load_csv_series(csv, "when")
    ds, _, _ = load_csv_series(csv, "when", duplicates=rule)
    assert ds.sequences[0][:, 0].tolist() == [0.0, 1.0, 2.0, value, 4.0, 5.0]
    assert ds.notes["changes"]["duplicate_rows_merged"] == 1


def test_a_short_gap_is_filled_by_time_interpolation_and_marked(tmp_path):
    times = pd.date_range("2024-01-01", periods=12, freq="h")
    keep = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]  # two hours missing
    csv = _ramp(tmp_path, times[keep], 2.0 * np.arange(12)[keep])
    with pytest.raises(MalformedDataError, match="pass --gaps interpolate:MAX"):
        load_csv_series(csv, "when")
    ds, stamps, filled = load_csv_series(csv, "when", gaps="interpolate:2")
    assert len(ds.sequences) == 1 and ds.sequences[0][:, 0].tolist() == [2.0 * i for i in range(12)]
    assert np.flatnonzero(filled[0]).tolist() == [4, 5] and len(stamps[0]) == 12
    assert ds.notes["changes"]["points_interpolated"] == 2 and ds.notes["changes"]["gaps_filled"] == 1


def test_irregular_readings_are_interpolated_onto_the_usual_step(tmp_path):
    seconds = np.array([0.0, 60, 125, 180, 235, 300, 360])  # jittered one-minute readings
    csv = _ramp(tmp_path, pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"), seconds / 60)
    ds, stamps, filled = load_csv_series(csv, "when", gaps="interpolate")
    assert np.allclose(ds.sequences[0][:, 0], np.arange(7.0)) and not filled[0].any()
    assert (np.diff(stamps[0]) == np.timedelta64(60, "s")).all()


def test_a_gap_longer_than_max_cuts_the_series_and_missing_values_count_as_gaps(tmp_path):
    values = np.arange(30.0)
    values[7] = np.nan  # a dropout inside a row: a one-step gap once the row is dropped
    keep = [i for i in range(30) if not 15 <= i < 20]  # a five-hour outage
    csv = _ramp(tmp_path, pd.date_range("2024-01-01", periods=30, freq="h")[keep], values[keep])
    ds, _, filled = load_csv_series(csv, "when", gaps="interpolate:2")
    assert [len(s) for s in ds.sequences] == [15, 10] and ds.sequences[0][7, 0] == 7.0
    assert [np.flatnonzero(m).tolist() for m in filled] == [[7], []]
    changes = ds.notes["changes"]
    assert changes["gaps_cut"] == 1 and changes["missing_steps_dropped"] == 5
    assert changes["rows_with_missing_values_dropped"] == 1


def test_bad_gap_options_are_named(tmp_path, capsys):
    csv, _, _ = _write(tmp_path, n=100, faults=())
    for bad in ("interpolate:0", "fill", "split:3"):
        assert fedad(["own-series", "--csv", str(csv), "--time-column", "when", "--gaps", bad]) == 2
        assert "--gaps" in capsys.readouterr().err


def _gappy(tmp_path, n=2400, every=100, missing=2):
    """Hourly readings with ``missing`` hours lost every ``every`` hours: short pieces between short gaps."""
    csv, labels, frame = _write(tmp_path, n=n, faults=((900, 930), (2050, 2080)))
    lost = [i for start in range(every, n, every) for i in range(start, start + missing)]
    frame.drop(index=lost).to_csv(csv, index=False)
    return csv, labels


def test_too_little_left_after_split_is_one_error_naming_the_option_and_writes_nothing(tmp_path, capsys):
    csv, labels = _gappy(tmp_path)
    out = tmp_path / "out"
    argv = ["own-series", "--csv", str(csv), "--time-column", "when", "--labels", str(labels), "--out", str(out)]
    assert fedad([*argv, "--gaps", "split", "--window", "24"]) == 2
    err = capsys.readouterr().err.strip()
    assert "too little is left" in err and "longest piece between gaps holds 100 rows (2354 rows in 24 piece(s))" in err
    assert "needs 169 rows" in err and "--gaps interpolate:MAX" in err and "\n" not in err
    assert not out.exists()
    assert fedad([*argv, "--gaps", "interpolate:1"]) == 2
    assert "raise MAX in --gaps interpolate:1" in capsys.readouterr().err
    assert not out.exists()


def test_a_series_with_short_gaps_runs_with_interpolate_and_its_filled_points_are_marked_not_scored(tmp_path):
    csv, labels = _gappy(tmp_path)
    out = tmp_path / "out"
    assert fedad(["own-series", "--csv", str(csv), "--time-column", "when", "--labels", str(labels), "--gaps",
                  "interpolate", "--references", "persistence", "--workers", "2", "--max-epochs", "2", "--quiet",
                  "--out", str(out)]) == 0
    result = json.loads((out / "result.json").read_text())
    assert result["data"]["changes"]["points_interpolated"] == 46 and result["data"]["sequences"] == 1
    scores = pd.read_csv(out / "scores.csv")
    filled = scores[scores.interpolated]
    assert len(filled) > 0 and filled.score.isna().all() and not filled.flag.any()
    assert scores[~scores.interpolated].score.notna().all()
    assert "46 points filled by interpolation (never scored)" in (out / "report.md").read_text()


def test_pieces_too_short_for_the_window_are_dropped_and_counted(tmp_path):
    from fedad.data.protocol import SeriesProtocol
    from fedad.experiments.own_series import _usable_pieces, parse

    csv, _, frame = _write(tmp_path, n=1200, faults=())
    frame.drop(index=[100, 101, 1000, 1001]).to_csv(csv, index=False)  # pieces of 100, 898 and 198 rows
    args = parse(["--csv", str(csv), "--time-column", "when", "--gaps", "split", "--window", "24"])
    series = load_csv_series(csv, "when", gaps="split")
    protocol = SeriesProtocol("plant", "csv", lag_range=(8, 80), window=24)
    kept, dropped = _usable_pieces(series, protocol, args)
    assert [len(s) for s in kept.dataset.sequences] == [898, 198]  # 169 rows hold a window of 24 (see above)
    assert dropped == {"pieces_dropped": 1, "points_dropped": 100}


def test_filled_points_are_never_scored(tmp_path):
    from fedad.data.protocol import SeriesProtocol
    from fedad.detection.pipeline import prepare_series, scored_errors
    from fedad.experiments.own_series import _unscored

    csv, _, frame = _write(tmp_path, n=600, faults=((300, 310),))
    lost = [450, 451, 520]  # in the test part
    frame.drop(index=lost).to_csv(csv, index=False)
    series = load_csv_series(csv, "when", gaps="interpolate:2")
    protocol = SeriesProtocol("plant", "csv", lag_range=(8, 48), window=24)
    prep = prepare_series(protocol, 4, dataset=series.dataset)
    before = scored_errors(prep, "test", np.zeros_like(prep.windows["test"].y))
    prep.unscored = _unscored(prep, series.interpolated, 1)
    after = scored_errors(prep, "test", np.zeros_like(prep.windows["test"].y))
    start = int(prep.split.test.names[0].split("[")[-1].split(":")[0]) - prep.split.test.context[0]
    assert len(before.labels) - len(after.labels) == 3
    assert not set((after.position + start).tolist()) & set(lost)
