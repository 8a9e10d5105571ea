"""The one place fedad touches syft 0.10 / syft-rds 0.6 APIs (tested with syft 0.10.0, syft-rds 0.6.1).

syft's public surface is small and moving; the mock-Drive pairing used for tests and the demo is a
test helper of syft-rds (``SyftRDSClient.pair_with_mock_drive_service_connection``). Everything here is
a thin wrapper so that a syft upgrade touches one file. syft prints progress with ``print``; the
wrappers capture it and hand it to fedad's logger at debug level.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)
TESTED_VERSIONS = {"syft": "0.10.0", "syft-rds": "0.6.1"}


def require_syft():
    """Import syft-rds or fail with the install command."""
    try:
        import syft_rds
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("the syft back-end needs the [syft] extra: pip install -e '.[syft]'") from exc
    return syft_rds


@contextlib.contextmanager
def quiet():
    """Capture syft's prints (and route them to the debug log)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield
    if buf.getvalue().strip():
        log.debug("syft: %s", buf.getvalue().strip())


def mock_pair(owner_email: str, aggregator_email: str, owner_dir: Path, aggregator_dir: Path):
    """(aggregator client, owner client) sharing one in-memory mock Google Drive.

    On-disk caches are used (``use_in_memory_cache=False``): with in-memory caches syft 0.10 does not
    write incoming job files into the owner's inbox.
    """
    syft_rds = require_syft()
    with quiet():
        return syft_rds.SyftRDSClient.pair_with_mock_drive_service_connection(
            email1=owner_email, email2=aggregator_email, base_path1=str(owner_dir), base_path2=str(aggregator_dir),
            use_in_memory_cache=False)


def login_google_drive(role: str, email: str, token_path: str | Path):
    """A real datasite (``role='do'``) or data scientist (``role='ds'``) on Google Drive."""
    syft_rds = require_syft()
    login = {"do": syft_rds.login_do, "ds": syft_rds.login_ds}[role]
    return login(email, token_path)


def create_dataset(owner, name: str, mock_dir: Path, private_dir: Path, users: list[str]) -> None:
    with quiet():
        owner.create_dataset(name=name, mock_path=mock_dir, private_path=private_dir,
                             summary="fedad worker partition", users=users)


def submit_bash_job(aggregator, owner_email: str, script: str, job_name: str) -> None:
    with quiet():
        aggregator.submit_bash_job(owner_email, script, job_name=job_name)


def approve_and_run(owner, job_name: str, timeout_s: int = 600) -> None:
    """The data owner's side: approve the named pending job and run approved jobs.

    In a real deployment the owner reviews the job (or ``syft-bg`` auto-approves jobs matching a rule);
    the demo approves on the owner's behalf.
    """
    with quiet():
        for job in owner.jobs:
            if job.name == job_name and job.status == "pending":
                job.approve(reason="fedad round", approval_method="auto")
        owner.process_approved_jobs(stream_output=False, timeout=timeout_s, share_outputs_with_submitter=True,
                                    share_logs_with_submitter=True)


def fetch_outputs(aggregator, owner_email: str, job_name: str) -> tuple[str, dict[str, bytes], str]:
    """(status, {output file name: bytes}, stderr text) of a job, after syncing."""
    with quiet():
        aggregator.sync()
        jobs = [j for j in aggregator.jobs if j.name == job_name and j.datasite_owner_email == owner_email]
    if not jobs:
        return "missing", {}, ""
    job = jobs[-1]
    files = {p.name: p.read_bytes() for p in job.output_paths if p.is_file()}
    stderr_path = job.job_review_path / "stderr.txt"
    stderr = stderr_path.read_text(errors="replace") if stderr_path.is_file() else ""
    return str(job.status), files, stderr
