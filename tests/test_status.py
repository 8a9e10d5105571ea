"""``fedad data status`` and ``fedad data ensure`` (the data check of ``make reproduce``): the three states,
what a profile needs, offline mode's one line, and the loaders' error in an empty folder."""

from __future__ import annotations

import io

import pytest

from fedad import cli
from fedad.data import datadir
from fedad.data.datadir import verified_path
from fedad.data.fetch import FetchError, fetch
from fedad.data.status import ensure, status_table
from fedad.experiments.common import profile_datasets
from tests.http_mirror import serve
from tests.test_fetch import POWER, register


def test_every_profile_needs_the_paper_series_the_images_and_the_ucr_archive():
    for profile in ("quick", "full", "paper"):
        assert set(profile_datasets(profile)) == {"power_demand", "space_shuttle", "ecg", "engine", "mnist",
                                                   "cifar10", "fashion_mnist", "ucr_anomaly"}



def test_ensure_does_not_ask_again_for_what_only_a_mirror_serves(fake_data, monkeypatch):
    from fedad.data import status

    monkeypatch.delenv("FEDAD_DATA_MIRROR", raising=False)
    needed = ["mnist10k"]
    monkeypatch.setenv("FEDAD_OFFLINE", "1")  # a fetch would raise
    assert ensure(needed) == []
    assert status.dataset_state("mnist10k").state == "absent"  # status still shows it


def test_offline_mode_is_one_line_naming_the_fetch_command(fake_data, monkeypatch, capsys):
    monkeypatch.setenv("FEDAD_OFFLINE", "1")
    with pytest.raises(FetchError) as info:
        fetch(["power_demand"])
    assert "`fedad data fetch power_demand`" in str(info.value)
    with pytest.raises(FetchError) as info:
        ensure(profile_datasets("quick"))
    msg = str(info.value)
    assert "FEDAD_OFFLINE=1" in msg and "fedad data fetch" in msg and "ucr_anomaly" in msg and "\n" not in msg
    assert cli.main(["data", "ensure", "--profile", "quick"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fedad data fetch" in err[0]


def test_ensure_does_nothing_when_the_profile_data_is_here(fake_data, monkeypatch):

    needed = ["power_demand"]
    fake_data.write(POWER, "1\n2\n")
    monkeypatch.setenv("FEDAD_DATA_MIRROR", "http://127.0.0.1:9")  # nothing listens: a download would fail
    assert ensure(needed) == []


def test_ensure_fetches_what_is_missing_and_says_how_much(fake_data, mirror_dir, monkeypatch):

    needed = ["power_demand"]
    register(fake_data, POWER, b"7\n" * 1000, mirror_dir)
    out = io.StringIO()
    with serve(mirror_dir) as mirror:
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        assert ensure(needed, why="profile quick", out=out) == ["power_demand"]
    assert "power_demand" in out.getvalue() and "0.0 MB" in out.getvalue()  # 2,000 bytes
    assert verified_path(POWER)


def test_status_reports_verified_different_and_absent(fake_data):
    fake_data.write(POWER, "1\n2\n")
    wrong = fake_data.write("space_shuttle/TEK14.txt", "not the shuttle\n", register=False)
    text, rows = status_table(["power_demand", "space_shuttle", "ecg"])
    states = {r.dataset: r.state for r in rows}
    assert states == {"power_demand": "verified", "space_shuttle": "different", "ecg": "absent"}
    assert datadir.sha256_of(wrong) in text and fake_data.files["space_shuttle/TEK14.txt"].sha256 in text
    assert "absent (9 of 9 files)" in text and "eamonn" in text  # an absent set names its source


def test_table1_in_an_empty_folder_names_the_fetch_command(fake_data, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["table1", "--out", str(tmp_path / "t1.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "`fedad data fetch" in err[0]
    assert not (tmp_path / "t1.csv").exists()
