"""fedad/settings.py is the one reader of fedad's environment variables, README.md's table says what it
holds, and a value fedad cannot use is one line naming the variable, the value and what is allowed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fedad import settings
from fedad.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_table_is_the_settings_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- settings table[^\n]*-->\n(.*?)\n<!-- end of settings table -->", readme, re.DOTALL)
    assert found, "README.md lost its settings table markers"
    assert found.group(1) == settings.markdown_table(), (
        "README.md's settings table differs from fedad/settings.py: paste settings.markdown_table() between the markers")


def test_fedad_help_names_every_variable():
    text = build_parser().format_help()
    assert "README.md" in text
    assert all(name in text for name in settings.SETTINGS)


def _environment_reads(path: Path) -> list[str]:
    """``os.environ.get``/``os.getenv``/``os.environ[...]`` loads of a literal FEDAD_* name, and any FEDAD_* string
    literal that is a whole variable name (a reader or a writer that should use the settings constant)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"FEDAD_[A-Z_]+", node.value):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
        if isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.ctx, ast.Load):
            parent_text = ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""
            if "FEDAD_" in parent_text:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {parent_text}")
    return found


def test_only_the_settings_module_names_fedad_variables_in_code():
    offenders = [hit for p in sorted((ROOT / "fedad").rglob("*.py")) if p.name != "settings.py"
                 for hit in _environment_reads(p)]
    assert not offenders, f"read FEDAD_* through fedad.settings: {offenders}"


def test_values_are_read_when_asked(monkeypatch):
    monkeypatch.delenv(settings.JOBS, raising=False)
    assert settings.jobs() == 1
    monkeypatch.setenv(settings.JOBS, "3")
    assert settings.jobs() == 3
    monkeypatch.setenv(settings.RESULTS, "")  # empty is unset
    assert settings.results_dir() == Path("results")
    monkeypatch.setenv(settings.DATA_MIRROR, " http://mirror/ ")
    assert settings.data_mirror() == "http://mirror"
    for value, offline in (("", False), ("0", False), ("1", True), ("yes", True)):
        monkeypatch.setenv(settings.OFFLINE, value)
        assert settings.offline() is offline


@pytest.mark.parametrize(("name", "value", "read", "allowed"), [
    (settings.JOBS, "abc", settings.jobs, "a whole number ≥ 1"),
    (settings.JOBS, "0", settings.jobs, "a whole number ≥ 1"),
    (settings.PROFILE, "fulll", settings.profile, "one of quick, full, paper"),
    (settings.COMPILE, "yes", settings.compile_replicas, "0 or 1"),
    (settings.ENGINE, "fast", lambda: settings.engine(("auto", "serial")), "one of ('auto', 'serial')"),
])
def test_a_bad_value_is_one_line_naming_variable_value_and_choices(monkeypatch, name, value, read, allowed):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.SettingError) as caught:
        read()
    assert str(caught.value) == f"{name} must be {allowed}, got {value!r}"


def test_a_bad_device_names_the_variable(monkeypatch):
    from fedad.federated.loop import pick_device

    monkeypatch.setenv(settings.DEVICE, "gpu")
    with pytest.raises(settings.SettingError, match="FEDAD_DEVICE must be auto or a torch device"):
        pick_device()
    monkeypatch.setenv(settings.DEVICE, "cpu")
    assert pick_device().type == "cpu"


def test_a_required_child_setting_says_what_it_is(monkeypatch):
    monkeypatch.delenv(settings.STATE_DIR, raising=False)
    with pytest.raises(settings.SettingError, match="FEDAD_STATE_DIR is not set: set by the syft back-end"):
        settings.state_dir()


def test_a_bad_jobs_value_is_one_line_from_the_command(monkeypatch, capsys):
    from fedad.cli import main

    monkeypatch.setenv(settings.JOBS, "abc")
    assert main(["run", "tune_rho", "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == "fedad: error: FEDAD_JOBS must be a whole number ≥ 1, got 'abc'"


def test_the_profile_comes_from_fedad_profile_not_bare_profile(monkeypatch):
    import argparse

    from fedad.experiments.common import common_arguments

    def default_profile():
        parser = argparse.ArgumentParser()
        common_arguments(parser)
        return parser.parse_args([]).profile

    monkeypatch.delenv(settings.PROFILE, raising=False)
    monkeypatch.setenv("PROFILE", "full")
    assert default_profile() == "quick"
    monkeypatch.setenv(settings.PROFILE, "paper")
    assert default_profile() == "paper"
