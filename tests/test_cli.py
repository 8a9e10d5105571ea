"""The ``fedad`` command: sub-commands, one-line errors with exit code 2, and the installable wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fedad.cli import main as fedad
from fedad.data.datadir import REPO_ROOT, data_dir

REAL_DATA = data_dir()


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        fedad(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("table1", "run", "measure-link", "figures", "report", "bench", "tutorials", "own-series"):
        assert command in out


def test_each_command_forwards_its_help(capsys):
    for argv in (["run", "detect", "--help"], ["figures", "--help"], ["own-series", "--help"], ["table1", "--help"]):
        assert fedad(argv) == 0, argv
        assert "usage:" in capsys.readouterr().out


def test_a_missing_data_file_is_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FEDAD_DATA", str(tmp_path / "empty"))
    from fedad.data import datadir

    datadir._VERIFIED.clear()
    assert fedad(["table1", "--out", str(tmp_path / "t.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fedad: error: data set") and err.count("\n") == 1 and "Traceback" not in err
    with pytest.raises(Exception, match="not found"):
        fedad(["--debug", "table1", "--out", str(tmp_path / "t.csv")])


def test_a_bad_config_override_is_one_line(capsys):
    assert fedad(["run", "detect", "--set", "budget.max_epoch=3"]) == 2
    assert "unknown key 'max_epoch'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    import fcntl
    import tempfile

    out = tmp_path_factory.mktemp("wheel")
    # setuptools builds in the source tree (build/, *.egg-info): two test workers building at once would
    # each pack a half-written tree, so they take turns
    with open(Path(tempfile.gettempdir()) / "fedad-test-wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                        str(out), str(REPO_ROOT)], check=True, cwd=out, capture_output=True)
    (path,) = out.glob("fedad-*.whl")
    return path


def test_the_wheel_holds_the_configs_and_the_entry_point(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for profile in ("quick", "full", "paper"):
        for experiment in ("tune_rho", "detect", "comm", "compressors"):
            assert f"fedad/experiments/configs/{profile}/{experiment}.yaml" in names
    assert "fedad/data/metropt3_failures.json" in names and "fedad/figures/fig7.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "fedad = fedad.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_the_installed_wheel_runs_from_any_folder(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import fedad.cli as c; "
            "assert c.__file__.startswith(sys.argv[1]), c.__file__; sys.exit(c.main(sys.argv[2:]))")
    env = {"FEDAD_DATA": str(REAL_DATA), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-I", "-c", code, str(site), "run", "detect", "--help"], cwd=elsewhere,
                         capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 0 and "--profile" in run.stdout, run.stderr[-500:]
    if (REAL_DATA / "power_demand/power_data.txt").is_file():
        run = subprocess.run([sys.executable, "-I", "-c", code, str(site), "table1"], cwd=elsewhere,
                             capture_output=True, text=True, env=env, check=False)
        assert run.returncode == 0 and (elsewhere / "results" / "table1.csv").is_file(), run.stderr[-500:]
