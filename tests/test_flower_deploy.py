"""The Flower deployment: a loopback smoke test, and the secured deployment inside network namespaces
(TLS with a run certificate, node authentication, a node killed mid-run, the SuperLink restarted mid-run).

The namespace tests need root (``ip netns``); without it they are skipped with that reason. CI runs as
root, so ``make test`` runs them there.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

pytest.importorskip("flwr", reason="flower extra not installed (pip install -e '.[flower]')")
psutil = pytest.importorskip("psutil", reason="flower extra not installed (pip install -e '.[flower]')")

from fedad.deployment import netlab
from fedad.deployment.flower_deploy import BIN, FlowerDeployment, run_deployment
from tests.conftest import real_data_available

needs_flower = pytest.mark.skipif(not (Path(BIN) / "flower-superlink").exists() and not shutil.which("flower-superlink"),
                                  reason="flower-superlink not installed beside this Python")
needs_mnist = pytest.mark.skipif(not real_data_available("mnist/mnist_npm10k.npz"), reason="real data absent")
NETNS_OK, NETNS_WHY = netlab.available()
needs_netns = pytest.mark.skipif(not NETNS_OK, reason=f"network namespaces unavailable: {NETNS_WHY}")


@needs_flower
@needs_mnist
def test_loopback_deployment_runs_two_rounds_secured_by_default(tmp_path):
    out = run_deployment(workers=2, rounds=2, rho=1.0, train_samples=300, timeout_s=240, workdir=tmp_path)
    assert len(out["records"]) == 2
    assert all(len(r["bytes_up"]) == 2 and not r["dropped"] for r in out["records"])
    assert out["totals"]["upload_compression_ratio"] > 50
    assert out["dropped_nodes"] == [] and out["resumed_from_round"] is None
    # TLS and node authentication were on: a run CA, and each node's key registered
    assert (tmp_path / "certs" / "ca.crt").is_file() and sorted(p.name for p in (tmp_path / "keys").glob("*.pub")) == [
        "supernode0.pub", "supernode1.pub"]


def test_insecure_is_only_on_request_and_warns(tmp_path, capsys):
    secured = FlowerDeployment(tmp_path / "a")
    assert secured.tls is not None and secured.node_auth and "insecure = true" not in (
        tmp_path / "a" / "flwr_home" / "config.toml").read_text()
    insecure = FlowerDeployment(tmp_path / "b", insecure=True)
    assert insecure.tls is None and not insecure.node_auth
    assert "WARNING: Flower deployment without TLS" in capsys.readouterr().err


def _processes_of(work: Path) -> list[psutil.Process]:
    """Live processes started for the deployment in ``work`` (every one inherits its FLWR_HOME)."""
    home, found = str(work / "flwr_home"), []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get("FLWR_HOME") == home:
                found.append(p)
    return found


def _in_process_digest(workers: int, rounds: int, rho: float, train_samples: int, workdir: Path) -> tuple[str, list]:
    """The final weights' digest and per-round upload sizes of the same run on the in-process back-end
    (``workdir`` takes the partitions it writes, never the current folder)."""
    from fedad.deployment.flower_server import _weights_digest, trainer_from_run_config
    from fedad.deployment.remote_worker import build_model_from_spec
    from fedad.federated.loop import FederatedTrainer

    run_config = {"dataset": "mnist", "task": "mnist", "compressor": "topk", "train-samples": train_samples,
                  "test-samples": 500, "num-workers": workers, "rounds": rounds, "batch-size": 32, "lr": 0.05,
                  "rho": rho, "seed": 0, "workdir": str(workdir)}
    remote = trainer_from_run_config(run_config)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each SuperNode's worker
    try:
        trainer = FederatedTrainer(remote.task, lambda: build_model_from_spec({"name": "simple_cnn", "kwargs": {}}),
                                   remote.config, seed=0)
        trainer.run(progress=False)
    finally:
        torch.set_num_threads(threads)
    return _weights_digest(trainer.aggregator.model), [r["bytes_up"] for r in trainer.result.records]


@needs_flower
@needs_mnist
def test_long_lived_workers_keep_their_state_across_rounds_and_give_the_in_process_weights(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    digest, bytes_up = _in_process_digest(2, 3, 1.0, 300, tmp_path / "in_process")
    modes = ("long-lived", "subprocess")
    with ThreadPoolExecutor(len(modes)) as pool:  # two deployments side by side: most of each is waiting
        futures = {mode: pool.submit(run_deployment, workers=2, rounds=3, rho=1.0, train_samples=300, timeout_s=300,
                                     workdir=tmp_path / mode, mode=mode) for mode in modes}
        runs = {mode: future.result() for mode, future in futures.items()}
    for mode in modes:
        assert _processes_of(tmp_path / mode) == [], f"{mode}: processes left after the run"
        assert not any(r["dropped"] for r in runs[mode]["records"])
        assert [r["bytes_up"] for r in runs[mode]["records"]] == bytes_up
        # ρ = 1 %: 99 % of every update waits in the residual; a worker that lost it between rounds drifts
        assert runs[mode]["final_weights_sha256"] == digest, mode
    split = runs["long-lived"]["round_split"]
    assert len(split) == 3 and all(len(r["app_s"]) == 2 and len(r["compute_s"]) == 2 for r in split)
    assert all(0 <= e <= c for r in split for e, c in zip(r["encode_s"], r["compute_s"], strict=True))


@needs_flower
@needs_mnist
def test_an_interrupted_run_leaves_no_process_behind(tmp_path):
    work = tmp_path / "run"
    script = ("from pathlib import Path\nfrom fedad.deployment.flower_deploy import run_deployment\n"
              f"run_deployment(workers=2, rounds=30, rho=1.0, train_samples=300, timeout_s=600, workdir=Path({str(work)!r}))\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=os.getcwd()))
    try:
        deadline = time.monotonic() + 240
        while not (work / "progress.json").is_file():
            assert proc.poll() is None and time.monotonic() < deadline, "the run never finished a round"
            time.sleep(0.3)
        assert len(_processes_of(work)) >= 5  # SuperLink, ServerApp, 2 SuperNodes, 2 fedad workers, …
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 20
    while _processes_of(work) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [p.cmdline()[:3] for p in _processes_of(work)] == []


@pytest.fixture(scope="module")
def lab():
    with netlab.NetLab(3) as lab:
        yield lab


def _exited(dep: FlowerDeployment, name: str, timeout_s: float) -> int | None:
    """The exit code of a process of the deployment once it stops (None if still running at the timeout)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        code = dep.procs[name].poll()
        if code is not None:
            return code
        time.sleep(0.3)
    return None


@needs_netns
@needs_flower
def test_namespaces_an_unlisted_node_is_refused_and_an_untrusting_client_cannot_connect(lab, tmp_path):
    with FlowerDeployment(tmp_path, lab) as dep:
        dep.start_superlink()
        dep.add_node(0, 3)
        dep.add_node(1, 3, listed=False, max_retries=1)  # its key was never registered
        dep.add_node(2, 3, trust=False, max_retries=1)  # registered, but does not hold the run's CA
        assert _exited(dep, "supernode1", 90) not in (None, 0)
        assert _exited(dep, "supernode2", 90) not in (None, 0)
        assert "Failed to activate SuperNode" in (dep.logs / "supernode1.log").read_text()
        assert "CERTIFICATE_VERIFY_FAILED" in (dep.logs / "supernode2.log").read_text()
        dep.wait_for(lambda: dep.online_nodes() == 1, 60, "listed node online")
        assert dep.procs["supernode0"].poll() is None


@needs_netns
@needs_flower
@needs_mnist
def test_namespaces_a_node_killed_mid_run_is_dropped_at_the_round_timeout_and_the_run_finishes(lab, tmp_path):
    with FlowerDeployment(tmp_path, lab) as dep:
        dep.start_superlink()
        for k in range(3):
            dep.add_node(k, 3)
        dep.submit(3, 4, 1.0, 300, round_timeout_s=25)
        dep.wait_for(lambda: dep.rounds_done() >= 1, 240, "first round")
        killed_after = dep.rounds_done()
        dep.kill("supernode2")
        out = dep.result(400)
    records = out["records"]
    assert len(records) == 4 and all(not r["dropped"] for r in records[:killed_after])
    dropped = [[d["worker"] for d in r["dropped"]] for r in records[killed_after + 1 :]]
    assert dropped and all(ids == ["charlie"] for ids in dropped)  # partition 2 is charlie's
    assert all(len(r["bytes_up"]) == 2 for r in records[killed_after + 1 :])
    log = out["dropped_nodes"]
    assert {d["worker"] for d in log} == {"charlie"} and all(d["at_s"] > 0 and d["node_id"] for d in log)
    assert min(d["round"] for d in log) in (killed_after, killed_after + 1)
    assert log[0]["reason"] == "no reply before the timeout"  # the first round after the kill waits it out
    for d in log:
        print(f"node {d['node_id']} (charlie) dropped from round {d['round']} at {d['at_s']} s: {d['reason']}")


@needs_netns
@needs_flower
@needs_mnist
def test_namespaces_a_superlink_restarted_mid_run_resumes_with_the_same_final_weights(lab, tmp_path):
    def deployment(work: Path, crash: bool) -> dict:
        with FlowerDeployment(work, lab) as dep:
            dep.start_superlink()
            for k in range(2):
                dep.add_node(k, 2)
            dep.submit(2, 4, 1.0, 300, round_timeout_s=60)
            if crash:
                dep.wait_for(lambda: dep.rounds_done() >= 1, 240, "first round")
                dep.kill("superlink")
                dep.start_superlink()
                dep.submit(2, 4, 1.0, 300, round_timeout_s=60)
            return dep.result(400)

    uninterrupted = deployment(tmp_path / "whole", crash=False)
    resumed = deployment(tmp_path / "crashed", crash=True)
    assert resumed["resumed_from_round"] >= 1 and uninterrupted["resumed_from_round"] is None
    assert len(resumed["records"]) == 4 and not any(r["dropped"] for r in resumed["records"])
    assert resumed["final_weights_sha256"] == uninterrupted["final_weights_sha256"]
    print("resumed from round", resumed["resumed_from_round"], json.dumps(resumed["final"]))
