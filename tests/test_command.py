"""``fedad data`` on the command line: fetch from a loopback mirror, a summary per data set, --help."""

from __future__ import annotations

from fedad import cli
from tests.http_mirror import serve
from tests.test_fetch import POWER, register


def test_fetch_command_reports_each_data_set(fake_data, tmp_path, monkeypatch, capsys):
    mirror_dir = tmp_path / "mirror"
    register(fake_data, POWER, b"5\n6\n", mirror_dir)
    with serve(mirror_dir) as mirror:
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        assert cli.main(["data", "fetch", "power_demand"]) == 0
    assert "power_demand: 1 fetched, 0 already here" in capsys.readouterr().out


def test_a_failed_fetch_is_one_line_and_exit_code_2(fake_data, tmp_path, monkeypatch, capsys):
    (tmp_path / "empty").mkdir()
    with serve(tmp_path / "empty") as mirror:  # the mirror answers 404
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        assert cli.main(["data", "fetch", "power_demand"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "404" in err[0]


def test_unknown_data_set_names_the_known_ones(fake_data, capsys):
    assert cli.main(["data", "fetch", "imagenet"]) == 2
    assert "unknown data set(s) ['imagenet']" in capsys.readouterr().err


def test_every_action_has_help(capsys):
    for action in ("fetch", "status", "ensure"):
        assert cli.main(["data", action, "--help"]) == 0
    assert "--profile" in capsys.readouterr().out
