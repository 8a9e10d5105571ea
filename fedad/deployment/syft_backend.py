"""Run the federated loop on PySyft 0.10 datasites (extra ``[syft]``).

Each virtual worker becomes a data owner's datasite holding its partition as a private dataset (the
mock is the same shape, all zeros). The aggregator is the data scientist: every round it submits one
job per datasite — the round's local work, with the last broadcast inside — the owner approves and runs
it, and only the job's ``outputs/`` (encoded update, BatchNorm statistics, a few scalars) come back.
The worker's compression state persists on the owner's side between jobs (``FEDAD_STATE_DIR``).

Same loop, same workers, same bytes as the in-process back-end: only the transport differs, and a test
checks the weights agree for the same seed. Transport here is syft's in-memory mock Google Drive, one
per datasite link; see the README for real Google Drive datasites.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

import torch

from fedad import settings
from fedad.deployment import syft_adapter as syft
from fedad.deployment.remote_worker import RemoteBackend, RemoteWorker
from fedad.federated.messages import UpdateMessage

log = logging.getLogger(__name__)
DOMAIN = "fedad.test"


class SyftBackend(RemoteBackend):
    """A back-end whose workers are syft datasites reached through jobs (``RemoteWorker.address`` is
    the owner's email)."""

    name = "syft"

    def __init__(self, model_spec: dict, task_kind: str, workdir: Path, aggregator_email: str = f"cloud@{DOMAIN}",
                 job_timeout_s: int = 600):
        syft.require_syft()
        super().__init__(model_spec, task_kind, workdir)
        self.aggregator_email = aggregator_email
        self.job_timeout_s = job_timeout_s
        self.links: dict[str, tuple] = {}  # worker id -> (aggregator client, owner client)

    # -- set-up: each owner puts its partition on its datasite -------------------------------------
    def owner_dir(self, worker_id: str) -> Path:
        return self.workdir / "owners" / worker_id

    def aggregator_dir(self) -> Path:
        return self.workdir / "aggregator"

    def attach(self, workers, trainer) -> list[RemoteWorker]:
        """Create one datasite per worker with its partition as a private dataset; return handles."""
        self.start(trainer)
        remote = []
        for w in workers:
            owner_email = f"{w.id}@{DOMAIN}"
            home = self.owner_dir(w.id)
            for sub in ("private", "mock", "state", "syftbox"):
                (home / sub).mkdir(parents=True, exist_ok=True)
            private = self.partition(w)
            torch.save(private, home / "private" / "partition.pt")
            torch.save({k: torch.zeros_like(v) for k, v in private.items()}, home / "mock" / "partition.pt")
            aggregator, owner = syft.mock_pair(owner_email, self.aggregator_email, home / "syftbox",
                                               self.aggregator_dir() / w.id)
            syft.create_dataset(owner, self.dataset_name(w.id), home / "mock", home / "private", [self.aggregator_email])
            self.links[w.id] = (aggregator, owner)
            remote.append(RemoteWorker(w.id, owner_email, w.n_samples, w.seed))
        return remote

    @staticmethod
    def dataset_name(worker_id: str) -> str:
        return f"{worker_id}-partition"

    # -- one round -----------------------------------------------------------------------------------
    def job_script(self, worker: RemoteWorker, round_idx: int) -> str:
        spec = self.spec(worker, round_idx, dataset=self.dataset_name(worker.id))
        return ("#!/bin/bash\nset -euo pipefail\nmkdir -p code/outputs\n"
                f"cat > spec.json <<'END_OF_SPEC'\n{json.dumps(spec)}\nEND_OF_SPEC\n"
                f'"${{{settings.PYTHON}:-python3}}" -m fedad.deployment.syft_job spec.json code/outputs\n')

    def _owner_runs(self, worker: RemoteWorker, owner, job_name: str) -> None:
        """What the data owner's machine does (here, in this process): approve and run the job."""
        env = {settings.STATE_DIR: str(self.owner_dir(worker.id) / "state"), settings.PYTHON: sys.executable}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            syft.approve_and_run(owner, job_name, self.job_timeout_s)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def collect(self, workers: list[RemoteWorker], round_idx: int):
        start = time.perf_counter()
        job_name = f"fedad-round-{round_idx:05d}"
        for w in workers:
            aggregator, _ = self.links[w.id]
            syft.submit_bash_job(aggregator, w.address, self.job_script(w, round_idx), job_name)
        for w in workers:
            self._owner_runs(w, self.links[w.id][1], job_name)
        messages, dropped = [], []
        for w in workers:
            status, files, stderr = syft.fetch_outputs(self.links[w.id][0], w.address, job_name)
            if "update.bin" not in files or "meta.json" not in files:
                reason = f"job {status}: {stderr.strip().splitlines()[-1] if stderr.strip() else 'no outputs'}"
                log.warning("round %d: datasite %s dropped: %s", round_idx, w.id, reason)
                dropped.append((w.id, reason))
                continue
            meta = json.loads(files["meta.json"])
            w.last_buffers = files.get("buffers.bin")
            messages.append(UpdateMessage(w.id, round_idx, files["update.bin"], int(meta["n_samples"]),
                                          float(meta["loss"]), float(meta["compute_s"])))
        self.round_seconds.append(time.perf_counter() - start)
        return messages, dropped

    def aggregator_files(self) -> list[Path]:
        """Every file on the aggregator's side (for checking that no private data is among them)."""
        return [p for p in self.aggregator_dir().rglob("*") if p.is_file()]

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
