"""What runs inside a syft job on a data owner's datasite: one round of a VirtualWorker's local work.

``python -m fedad.deployment.syft_job spec.json OUT_DIR`` — the spec (see
:func:`remote_worker.job_spec`) carries the last broadcast; the private partition is read from the
owner's dataset (syft resolves the private path inside a job); the worker's compression state persists
on the owner's side in ``$FEDAD_STATE_DIR``. Only ``OUT_DIR`` (the job's ``outputs/``) goes back.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from fedad import settings
from fedad.deployment.remote_worker import run_job
from fedad.results import atomic_write_bytes


def _private_partition(dataset: str) -> dict:
    import syft

    files = [Path(p) for p in syft.resolve_dataset_files_path(dataset)]
    return torch.load(next(p for p in files if p.name == "partition.pt"), weights_only=True)


def main(spec: dict, out_dir: Path) -> None:
    torch.set_num_threads(1)
    state_path = settings.state_dir() / f"{spec['worker_id']}.pt"
    state = state_path.read_bytes() if state_path.is_file() else None
    outputs, new_state = run_job(spec, _private_partition(spec["dataset"]), state)
    atomic_write_bytes(state_path, new_state)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "update.bin").write_bytes(outputs.pop("update"))
    buffers = outputs.pop("buffers")
    if buffers:
        (out_dir / "buffers.bin").write_bytes(buffers)
    (out_dir / "meta.json").write_text(json.dumps(outputs))


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("outputs"))
