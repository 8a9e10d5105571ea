"""One list of dependencies: setup.py's. environment.yml (a conda environment) must install every requirement
of the core and the [dev] extra, and name no channel or package that setup.py does not have. Read, not
installed: setup.py's lists are literals, taken with ast without running setup()."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT_YML = ROOT / "environment.yml"
CONSTRAINTS = "requirements/constraints.txt"
# conda-forge names that differ from the PyPI names setup.py uses
CONDA_TO_PYPI = {"pytorch": "torch"}
# what a conda environment needs besides setup.py's requirements: the interpreter and the installer
CONDA_OWN = {"python", "pip"}


def setup_constants() -> dict:
    """setup.py's upper-case literal assignments (PYTHON_REQUIRES, INSTALL_REQUIRES, EXTRAS_REQUIRE)."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("PYTHON_REQUIRES", "INSTALL_REQUIRES", "EXTRAS_REQUIRE"):
                out[name] = ast.literal_eval(node.value)
    return out


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def environment() -> dict:
    """What environment.yml installs: its channels, the python spec, the package names conda and pip install
    (an install of this project with extras counting as setup.py's requirements of those extras), and the
    pip options."""
    env = yaml.safe_load(ENVIRONMENT_YML.read_text())
    setup = setup_constants()
    conda, pip, options, python = set(), set(), [], None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for entry in dep["pip"]:
                line = entry.strip()
                project = re.fullmatch(r"(?:-e\s+|--editable\s+)?\.(?:\[([\w,\s-]+)\])?", line)
                if project:  # this package: its core requirements and those of the extras named
                    pip |= names(setup["INSTALL_REQUIRES"])
                    for extra in filter(None, (e.strip() for e in (project.group(1) or "").split(","))):
                        pip |= names(setup["EXTRAS_REQUIRE"][extra])
                elif line.startswith("-"):
                    options.append(line)
                else:
                    pip.add(canonicalize_name(Requirement(line).name))
            continue
        name, spec = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", dep.strip()).groups()
        if name == "python":
            python = spec.lstrip("=")
        conda.add(canonicalize_name(CONDA_TO_PYPI.get(name, name)))
    return {"channels": env.get("channels", []), "conda": conda, "pip": pip, "options": options,
            "python": python}


def test_setup_py_s_lists_are_read_without_running_setup():
    setup = setup_constants()
    assert {"torch", "stumpy", "vus"} <= names(setup["INSTALL_REQUIRES"])
    assert "hypothesis" in names(setup["EXTRAS_REQUIRE"]["dev"])


def test_environment_yml_installs_every_core_and_dev_requirement():
    setup, env = setup_constants(), environment()
    wanted = names(setup["INSTALL_REQUIRES"]) | names(setup["EXTRAS_REQUIRE"]["dev"])
    missing = wanted - env["conda"] - env["pip"]
    assert not missing, f"environment.yml does not install {sorted(missing)}, which setup.py requires"


def test_environment_yml_names_nothing_setup_py_does_not_have():
    setup, env = setup_constants(), environment()
    known = names(setup["INSTALL_REQUIRES"]).union(*(names(r) for r in setup["EXTRAS_REQUIRE"].values()))
    extra = (env["conda"] - CONDA_OWN - known) | (env["pip"] - known)
    assert not extra, f"environment.yml names {sorted(extra)}, which setup.py does not require"
    # torch and everything else come from PyPI-style pip installs (pins: requirements/constraints.txt) or
    # conda-forge; a channel of its own (pytorch, with its cpuonly marker package) is a second source
    assert set(env["channels"]) <= {"conda-forge"}, f"environment.yml names channels {env['channels']}"


def test_environment_yml_installs_under_the_constraints_and_a_python_setup_py_allows():
    setup, env = setup_constants(), environment()
    if env["pip"]:
        assert f"-c {CONSTRAINTS}" in env["options"] or f"--constraint {CONSTRAINTS}" in env["options"], (
            f"environment.yml's pip installs without {CONSTRAINTS}, the pins make install uses")
    assert (ROOT / CONSTRAINTS).exists()
    assert env["python"], "environment.yml does not name a python"
    version = re.match(r"\d+(\.\d+)*", env["python"]).group(0)
    assert version in SpecifierSet(setup["PYTHON_REQUIRES"]), (
        f"environment.yml's python {env['python']} is outside setup.py's {setup['PYTHON_REQUIRES']}")


@pytest.mark.parametrize("old, new, check, complaint", [
    ("      - -e .[dev]\n", "      - -e .\n", test_environment_yml_installs_every_core_and_dev_requirement,
     "hypothesis"),  # the dev extra left out
    ("      - -e .[dev]\n", "      - numpy>=1.24\n", test_environment_yml_installs_every_core_and_dev_requirement,
     "stumpy"),  # a hand-written list that forgot one
    ("  - conda-forge\n", "  - pytorch\n  - conda-forge\n", test_environment_yml_names_nothing_setup_py_does_not_have,
     "channels"),
    ("  - python=3.11\n", "  - python=3.11\n  - cpuonly\n", test_environment_yml_names_nothing_setup_py_does_not_have,
     "cpuonly"),
    ("      - -c requirements/constraints.txt\n", "",
     test_environment_yml_installs_under_the_constraints_and_a_python_setup_py_allows, "constraints"),
])
def test_the_checks_catch_a_drifted_environment_yml(monkeypatch, tmp_path, old, new, check, complaint):
    """The test of the tests: each fails on the drift it is for."""
    text = ENVIRONMENT_YML.read_text()
    assert old in text
    (tmp_path / "environment.yml").write_text(text.replace(old, new))
    monkeypatch.setattr(sys.modules[__name__], "ENVIRONMENT_YML", tmp_path / "environment.yml")
    with pytest.raises(AssertionError, match=complaint):
        check()
