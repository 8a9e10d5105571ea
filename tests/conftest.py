"""Shared fixtures: a fake data directory of tiny synthetic files registered in the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from fedad.data import datadir, manifest, own_files

torch.set_num_threads(2)


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
