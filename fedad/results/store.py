"""Result files: atomic writes, config hashing, provenance, cache and resume checkpoints.

Every run writes ``results/<experiment>/<config-hash>.json`` holding its config, seed, versions, git
commit, wall time, metrics and per-round records. Writes go to a temporary file that is renamed into
place, so a crash never leaves a half-written result. A run whose file exists is skipped unless
forced; a crashed run resumes from ``<config-hash>.ckpt.pt``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from fedad import settings
from fedad._version import __version__

RESULTS_DIR = settings.results_dir()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    torch = sys.modules.get("torch")  # a tensor can only exist where torch is loaded: no import for figures
    if torch is not None and isinstance(obj, torch.Tensor):
        return obj.detach().cpu().tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None if np.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def finite_or_none(value) -> float | None:
    """A number read back from a result file as a finite float, else None: the inverse of how result files
    store non-finite floats (NaN as null, ±∞ as the strings "inf"/"-inf"), e.g. a diverged run's loss."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    """Serialise first (so an unserialisable object raises before anything is written), then write."""
    text = json.dumps(_jsonable(obj), indent=1, sort_keys=True, allow_nan=False)
    atomic_write_text(path, text + "\n")


def config_hash(config: dict) -> str:
    """Short sha256 of the canonical JSON of a config: equal configs share a result file."""
    canonical = json.dumps(_jsonable(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False,
                             cwd=Path(__file__).resolve().parent)
        commit = out.stdout.strip()
        if not commit:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=5, check=False, cwd=Path(__file__).resolve().parent).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def environment_info() -> dict:
    """Versions and machine facts recorded in every result file."""
    import sklearn
    import torch

    return {
        "fedad": __version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "git_commit": git_commit(),
        # how the run was executed (never what it computes, beyond float summation order)
        "device_env": settings.raw(settings.DEVICE),
        "engine_env": settings.raw(settings.ENGINE),
        "compile_env": settings.raw(settings.COMPILE),
    }


class ResultStore:
    """Result files of one experiment, addressed by config hash."""

    def __init__(self, experiment: str, root: Path | None = None):
        self.dir = Path(root or RESULTS_DIR) / experiment

    def path(self, config: dict) -> Path:
        return self.dir / f"{config_hash(config)}.json"

    def checkpoint_path(self, config: dict) -> Path:
        return self.dir / f"{config_hash(config)}.ckpt.pt"

    def exists(self, config: dict) -> bool:
        return self.path(config).is_file()

    def load(self, config: dict) -> dict:
        return json.loads(self.path(config).read_text(encoding="utf-8"))

    def save(self, config: dict, metrics: dict, wall_time_s: float, records: list | None = None,
             extra: dict | None = None) -> Path:
        """Write the result file atomically and drop the resume checkpoint."""
        payload = {
            "config": config,
            "config_hash": config_hash(config),
            "seed": config.get("seed"),
            "environment": environment_info(),
            "wall_time_s": wall_time_s,
            "metrics": metrics,
            "records": records or [],
            **(extra or {}),
        }
        path = self.path(config)
        atomic_write_json(path, payload)
        self.checkpoint_path(config).unlink(missing_ok=True)
        return path

    def save_checkpoint(self, config: dict, state: dict) -> None:
        import io

        import torch

        buf = io.BytesIO()
        torch.save(state, buf)
        atomic_write_bytes(self.checkpoint_path(config), buf.getvalue())

    def load_checkpoint(self, config: dict) -> dict | None:
        import torch

        path = self.checkpoint_path(config)
        if not path.is_file():
            return None
        return torch.load(path, map_location="cpu", weights_only=False)

    def all(self) -> list[dict]:
        """Every finished result of the experiment (for figures)."""
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.dir.glob("*.json"))]
