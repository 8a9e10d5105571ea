"""fedad's environment variables, in one place: each one's name, meaning and default, and the only code in
the package that reads them.

Every value is read when a function here is called, not when a module is imported (tests change the
environment between calls); a module that keeps a folder as a constant (``RESULTS_DIR``, the figures' ``OUT_DIR``)
calls the function once at import, as before. An empty value counts as unset. A value fedad cannot use is a
:class:`SettingError` of one line naming the variable, the value and what is allowed. README.md's table of
environment variables is :func:`markdown_table` (``tests/test_settings.py`` checks that they agree), and
``fedad --help`` lists the names.

Variables fedad sets for a child process (a syft job, a Flower node's launcher, a notebook's kernel) are
written under the constants here, so each name is spelled once.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

PROFILES = ("quick", "full", "paper")


class SettingError(ValueError):
    """An environment variable holds a value fedad cannot use (one line: the variable, the value, what is allowed)."""


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    default: str


SETTINGS: dict[str, Setting] = {}


def _setting(name: str, meaning: str, default: str) -> str:
    SETTINGS[name] = Setting(name, meaning, default)
    return name


# -- data ------------------------------------------------------------------------------------------------
DATA = _setting("FEDAD_DATA", "the data folder fedad reads (`fedad data fetch` writes there too when it is set)",
                "`../shared/data` beside the repository when it exists, else `~/.cache/fedad`")
DOWNLOAD_DIR = _setting("FEDAD_DOWNLOAD_DIR", "where `fedad data fetch` puts files instead; never the shared folder",
                        "`$FEDAD_DATA` when set, else `~/.cache/fedad`")
DATA_MIRROR = _setting("FEDAD_DATA_MIRROR", "a base URL that replaces every source: it serves a copy of a fedad data "
                       "folder, `<URL>/<path>` (an institution's mirror, or a test's)", "unset: the public sources")
OFFLINE = _setting("FEDAD_OFFLINE", "`1` (any value but `0`): no downloads; a missing data set stops with one "
                   "line naming `fedad data fetch`", "`0`: downloads allowed")
# -- runs, results, figures --------------------------------------------------------------------------------
RESULTS = _setting("FEDAD_RESULTS", "the results folder experiments write and figures and the report read "
                   "(relative to where fedad runs)", "`results`")
FIGURES = _setting("FEDAD_FIGURES", "where figures go (relative to where fedad runs)", "`figures/out`")
PROFILE = _setting("FEDAD_PROFILE", "the profile (`quick`, `full` or `paper`): `fedad run`'s `--profile` default "
                   "and the one figures and the report draw; make passes its `PROFILE` on as this",
                   "runs: `quick`; figures and report: the most complete profile with results")
JOBS = _setting("FEDAD_JOBS", "`fedad run`'s `--jobs` default: runs in parallel processes (a whole number ≥ 1)", "`1`")
DEVICE = _setting("FEDAD_DEVICE", "the torch device of training when a config says `auto` (`cpu`, `cuda`, `cuda:1`…)",
                  "`auto`: the GPU when present, else the CPU")
ENGINE = _setting("FEDAD_ENGINE", "the federated engine when a config says `auto` (`serial`, `threads`, `processes`, "
                  "`vmap`)", "`auto`: vmap on a GPU, threads on ≥ 2 CPU cores, else serial")
COMPILE = _setting("FEDAD_COMPILE", "`1`: the workers' replicas run through `torch.compile` (all engines but vmap)",
                   "`0`: as the config says")
# -- set by fedad for a child process, or read outside the package -------------------------------------------------
TUTORIALS = _setting("FEDAD_TUTORIALS", "the folder of the teaching notebooks `fedad tutorials` runs", "`tutorials`")
TUTORIAL_QUICK = _setting("FEDAD_TUTORIAL_QUICK", "`1`: the notebooks run shrunk (`fedad tutorials --quick` sets it; "
                          "read by the notebooks)", "unset: full notebooks")
STATE_DIR = _setting("FEDAD_STATE_DIR", "set by the syft back-end for its jobs: where a worker's compression state "
                     "persists on the data owner's side", "none: a syft job needs it")
PYTHON = _setting("FEDAD_PYTHON", "set by the syft back-end: the interpreter a syft job's shell script runs",
                  "`python3`")
WORKER_SOCKET = _setting("FEDAD_WORKER_SOCKET", "set by the Flower deployment for a long-lived node: the socket of "
                         "its fedad worker, which the `flwr-clientapp` launcher calls",
                         "unset: the real `flwr-clientapp` runs")
INSTALLER = _setting("FEDAD_INSTALLER", "`pip`: `make install` uses pip instead of uv (read by "
                     "`requirements/install.py`, which runs before fedad is installed)", "uv when it can be had")


def invalid(name: str, value: object, allowed: str) -> SettingError:
    """The one-line error for a value of ``name`` that fedad cannot use."""
    return SettingError(f"{name} must be {allowed}, got {value!r}")


def raw(name: str) -> str | None:
    """The value of one of fedad's variables as set (``None`` when unset or empty), unchecked."""
    if name not in SETTINGS:
        raise KeyError(f"{name} is not one of fedad's environment variables: {sorted(SETTINGS)}")
    return os.environ.get(name) or None


def _path(name: str) -> Path | None:
    value = raw(name)
    return Path(value).expanduser() if value is not None else None


def _required(name: str) -> str:
    value = raw(name)
    if value is None:
        raise SettingError(f"{name} is not set: {SETTINGS[name].meaning}")
    return value


def data_dir() -> Path | None:
    """``$FEDAD_DATA``, or ``None`` (fedad.data.datadir then looks beside the repository, then in the cache)."""
    return _path(DATA)


def download_dir() -> Path | None:
    """``$FEDAD_DOWNLOAD_DIR``, or ``None``."""
    return _path(DOWNLOAD_DIR)


def data_mirror() -> str | None:
    """The base URL of ``$FEDAD_DATA_MIRROR`` without a trailing slash, or ``None``."""
    return (raw(DATA_MIRROR) or "").strip().rstrip("/") or None


def offline() -> bool:
    """Whether ``$FEDAD_OFFLINE`` forbids downloads (any value but empty or ``0``)."""
    return (raw(OFFLINE) or "").strip() not in ("", "0")


def results_dir() -> Path:
    """``$FEDAD_RESULTS``, else ``results`` (relative to where fedad runs)."""
    return Path(raw(RESULTS) or "results")


def figures_dir() -> Path:
    """``$FEDAD_FIGURES``, else ``figures/out`` (relative to where fedad runs)."""
    return Path(raw(FIGURES) or "figures/out")


def profile() -> str | None:
    """``$FEDAD_PROFILE`` (one of :data:`PROFILES`), or ``None``."""
    value = raw(PROFILE)
    if value is not None and value not in PROFILES:
        raise invalid(PROFILE, value, f"one of {', '.join(PROFILES)}")
    return value


def jobs() -> int:
    """``$FEDAD_JOBS``, a whole number ≥ 1, else 1."""
    value = raw(JOBS)
    if value is None:
        return 1
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise invalid(JOBS, value, "a whole number ≥ 1")
    return n


def device() -> str:
    """``$FEDAD_DEVICE``, else ``auto`` (fedad.federated.loop checks that torch knows the device)."""
    return raw(DEVICE) or "auto"


def engine(choices: tuple[str, ...]) -> str | None:
    """``$FEDAD_ENGINE`` when set (one of ``choices``: :data:`fedad.federated.engines.ENGINES`), else ``None``."""
    value = raw(ENGINE)
    if value is not None and value not in choices:
        raise invalid(ENGINE, value, f"one of {choices}")
    return value


def compile_replicas() -> bool:
    """Whether ``$FEDAD_COMPILE`` is ``1`` (``0`` or unset: no)."""
    value = raw(COMPILE) or ""
    if value not in ("", "0", "1"):
        raise invalid(COMPILE, value, "0 or 1")
    return value == "1"


def tutorials_dir() -> Path:
    """``$FEDAD_TUTORIALS``, else ``tutorials`` (the repository's notebooks, from its root)."""
    return Path(raw(TUTORIALS) or "tutorials")


def state_dir() -> Path:
    """``$FEDAD_STATE_DIR``: a syft job's state folder (required)."""
    return Path(_required(STATE_DIR))


def markdown_table() -> str:
    """README.md's table: one row per variable, name, meaning and default."""
    rows = ["| variable | what | default |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {s.meaning} | {s.default} |" for s in SETTINGS.values()]
    return "\n".join(rows)


def epilog() -> str:
    """``fedad --help``'s list of the variables, pointing to README.md's table."""
    return textwrap.fill("environment variables (README.md, section 'Settings', gives each one's meaning and "
                         "default): " + ", ".join(SETTINGS) + ".", width=100)
