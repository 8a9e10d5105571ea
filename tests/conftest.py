"""Shared fixtures: a fake data directory of tiny synthetic files registered in the manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from fedad.data import datadir, manifest, own_files

# pytest-xdist runs a worker per core (make test): each takes one intra-op thread, or the workers' threads
# would contend for the same cores
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)


def real_data_available(*relpaths: str) -> bool:
    root = datadir.data_dir()
    return all((root / p).is_file() for p in relpaths)


needs_real = pytest.mark.skipif(
    not real_data_available("power_demand/power_data.txt"),
    reason="real data directory not present (set FEDAD_DATA)",
)


class FakeData:
    """Writes synthetic data files into a temp data directory and registers their sha256; synthetic
    interval labels go to a file beside it that stands in for the packaged ``labels.json``."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch):
        self.root = root
        self.monkeypatch = monkeypatch
        self.labels_file = root.parent / "labels.json"
        self.files = dict(manifest.FILES)
        monkeypatch.setattr(manifest, "FILES", self.files)
        monkeypatch.setattr(datadir, "FILES", self.files)
        monkeypatch.setenv("FEDAD_DATA", str(root))
        monkeypatch.delenv("FEDAD_DOWNLOAD_DIR", raising=False)  # fetched files then land in, and are read from, root
        datadir._VERIFIED.clear()

    def write(self, relpath: str, content: str | bytes, register: bool = True) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        if register:
            old = self.files.get(relpath)
            self.files[relpath] = manifest.FileEntry(relpath, datadir.sha256_of(path),
                                                     old.dataset if old else "test", old.source if old else "test")
        return path

    def labels(self, mapping: dict) -> Path:
        self.labels_file.write_text(json.dumps({"_format": "test", **mapping}))
        self.monkeypatch.setattr(own_files, "LABELS", self.labels_file)
        return self.labels_file

    def series(self, relpath: str, values: np.ndarray, intervals: list[list[int]]) -> None:
        self.write(relpath, "\n".join(" ".join(f"{v:.6f}" for v in np.atleast_1d(row)) for row in values) + "\n")
        current = json.loads(self.labels_file.read_text()) if self.labels_file.exists() else {}
        current[relpath] = intervals
        self.labels({k: v for k, v in current.items() if not k.startswith("_")})


@pytest.fixture
def fake_data(tmp_path, monkeypatch) -> FakeData:
    return FakeData(tmp_path / "data", monkeypatch)


@pytest.fixture
def mirror_dir(tmp_path) -> Path:
    """An empty folder for a loopback mirror (tests/http_mirror.py) to serve."""
    path = tmp_path / "mirror"
    path.mkdir()
    return path


# -- the secured deployment's tests, named in the terminal summary --------------------------------------
# They need root and take minutes; `make test` prints each one's outcome by name (and a skip's reason),
# so a CI log says whether an unlisted node was refused and a killed node dropped, not only a dot.
_DEPLOYMENT_OUTCOMES: list[tuple[str, str]] = []


def pytest_runtest_logreport(report):
    if "test_flower_deploy.py::test_namespaces" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        reason = f" ({report.longrepr[2]})" if report.skipped and isinstance(report.longrepr, tuple) else ""
        _DEPLOYMENT_OUTCOMES.append((report.nodeid.split("::")[-1], report.outcome.upper() + reason))


def pytest_terminal_summary(terminalreporter):
    if _DEPLOYMENT_OUTCOMES:
        terminalreporter.section("Flower deployment in network namespaces")
        for name, outcome in _DEPLOYMENT_OUTCOMES:
            terminalreporter.write_line(f"{outcome}: {name}")


def _waits_on_deployment(item) -> str | None:
    """'namespaces' or 'loopback' for the tests whose time is mostly a real deployment's waiting (Flower's
    polling, round timeouts), else None."""
    path = item.path.name
    if path == "test_netlab.py" or (path == "test_flower_deploy.py" and item.name.startswith("test_namespaces")):
        return "namespaces"
    return "loopback" if path in ("test_flower_deploy.py", "test_flower_backend.py") else None


@pytest.hookimpl(trylast=True)  # after -k / -m deselection, on the items that will run
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist's worksteal, worker k first gets the k-th of equal contiguous slices of the list, and
    an idle worker steals from the end of a busy one's queue. So each slice starts with its share of the
    deployment tests, dealt round-robin (namespaces first, then loopback): their waiting overlaps the other
    workers' computing, and no worker starts the run with two of them while another has none."""
    n = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if n < 2:  # the workers collect (the controller only schedules); a serial run keeps the file order
        return
    waiting = [i for kind in ("namespaces", "loopback") for i in items if _waits_on_deployment(i) == kind]
    rest = [i for i in items if _waits_on_deployment(i) is None]
    ordered, left = [], len(items)
    for k in range(n):
        size = left // (n - k)  # the slice xdist sends worker k
        mine = waiting[k::n][:size]
        take = size - len(mine)
        ordered += mine + rest[:take]
        rest, left = rest[take:], left - size
    ordered += [i for i in waiting if i not in ordered] + rest
    items[:] = ordered


@pytest.fixture
def fixture_results(tmp_path) -> Path:
    """A results folder filled with the synthetic fixture results (tests/result_fixture.py), one per test."""
    from tests.result_fixture import fill_results

    return fill_results(tmp_path)


@pytest.fixture(scope="module")
def fixture_detect_frame(tmp_path_factory):
    """The fixture's detect results as the report reads them, shared by a module's read-only tests."""
    from fedad.results.tables import load
    from tests.result_fixture import fill_results

    return load("detect", fill_results(tmp_path_factory.mktemp("results")))
