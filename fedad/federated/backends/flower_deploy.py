"""A Flower deployment on loopback: one ``flower-superlink`` and N ``flower-supernode`` processes on
127.0.0.1, a ``flwr run`` of fedad's Flower app, then everything stopped.

This is the recipe for real separate machines: run the SuperLink on the aggregator's host, one
SuperNode per edge device (``--superlink <host>:<port>``, its own ``--node-config
'partition-id=k data-path=/its/partition.pt'``), drop ``--insecure`` for TLS, and ``flwr run`` from
anywhere that can reach the Control API. ``python -m fedad.federated.backends.flower_deploy --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent

PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "fedad-flower"
version = "1.0.0"
description = "fedad's ServerApp and ClientApp (the code lives in the installed fedad package)"
dependencies = []

[tool.hatch.build.targets.wheel]
packages = ["."]

[tool.flwr.app]
publisher = "fedad"

[tool.flwr.app.components]
serverapp = "fedad.federated.backends.flower_app:server_app"
clientapp = "fedad.federated.backends.flower_app:client_app"

[tool.flwr.app.config]
dataset = "mnist"
task = "mnist"
compressor = "topk"
train-samples = 600
test-samples = 500
num-workers = 2
rounds = 2
batch-size = 32
lr = 0.05
rho = 1.0
seed = 0
workdir = ""
result-path = ""
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float, host: str = "127.0.0.1", prefix: list[str] | None = None) -> None:
    """Wait until something listens on host:port (probed from inside a namespace when ``prefix`` says so)."""
    probe = f"import socket,sys;s=socket.socket();s.settimeout(1);sys.exit(s.connect_ex(({host!r},{port})))"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if prefix:
            if subprocess.run([*prefix, sys.executable, "-c", probe], capture_output=True, check=False).returncode == 0:
                return
        else:
            with socket.socket() as s:
                if s.connect_ex((host, port)) == 0:
                    return
        time.sleep(0.3)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def run_deployment(workers: int = 2, rounds: int = 2, rho: float = 1.0, train_samples: int = 600,
                   timeout_s: float = 300.0, workdir: Path | None = None, lab=None, task: str = "mnist",
                   extra_config: dict | None = None) -> dict:
    """Start SuperLink + ``workers`` SuperNodes, run the app, stop them; return the run's result.

    On loopback by default. With a :class:`fedad.federated.netlab.NetLab`, the SuperLink and the
    ServerApp run in the lab's hub namespace and SuperNode k in device k's namespace, so every message
    crosses that device's shaped link. ``task``: ``mnist`` (simple CNN) or ``power_demand`` (AMCNN-LSTM).
    """
    work = Path(workdir or tempfile.mkdtemp(prefix="fedad-flower-"))
    app_dir, home, logs = work / "app", work / "flwr_home", work / "logs"
    for d in (app_dir, home, logs):
        d.mkdir(parents=True, exist_ok=True)
    (app_dir / "pyproject.toml").write_text(PYPROJECT)
    (app_dir / "README.md").write_text("fedad Flower app\n")
    host = lab.hub_address if lab is not None else "127.0.0.1"
    hub = lab.prefix(None) if lab is not None else []
    link = free_port()  # flwr 1.41: Fleet and Control APIs share the SuperLink's one HTTP port
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "loopback"\n\n[superlink.loopback]\naddress = "{host}:{link}"\ninsecure = true\n')
    # the SuperLink and SuperNodes start flower-superexec / flwr-serverapp / flwr-clientapp by name
    env = dict(os.environ, FLWR_HOME=str(home), PYTHONUNBUFFERED="1",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    procs: list[subprocess.Popen] = []

    def start(cmd: list[str], name: str) -> None:
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 — closed with the process
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work))

    result_path = work / "result.json"
    try:
        start([*hub, str(BIN / "flower-superlink"), "--insecure", "--host", host, "--port", str(link),
               "--database", str(work / "state.db"), "--disable-runtime-dependency-installation"], "superlink")
        _wait_port(link, 60, host, hub or None)
        for k in range(workers):
            node = lab.prefix(k) if lab is not None else []
            start([*node, str(BIN / "flower-supernode"), "--insecure", "--superlink", f"{host}:{link}",
                   "--port", str(free_port()), "--node-config", f"partition-id={k} num-partitions={workers}"],
                  f"supernode{k}")
        overrides = (f'num-workers={workers} rounds={rounds} rho={rho} train-samples={train_samples} '
                     f'task="{task}" workdir="{work / "data"}" result-path="{result_path}"')
        for key, value in (extra_config or {}).items():
            overrides += f' {key}={json.dumps(value)}'
        started = time.perf_counter()
        subprocess.run([*hub, str(BIN / "flwr"), "run", str(app_dir), "--run-config", overrides], env=env, cwd=work,
                       check=True, timeout=timeout_s, capture_output=True, text=True)
        deadline = time.monotonic() + timeout_s
        while not result_path.is_file():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result after {timeout_s:.0f}s; logs in {logs}")
            if procs[0].poll() is not None:
                raise RuntimeError(f"the SuperLink stopped; logs in {logs}")
            time.sleep(0.5)
        out = json.loads(result_path.read_text())
        out["deployment_wall_s"] = time.perf_counter() - started
        out["logs"] = str(logs)
        return out
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=3, help="number of SuperNodes (edge devices)")
    parser.add_argument("--rounds", type=int, default=3, help="federated rounds")
    parser.add_argument("--rho", type=float, default=1.0, help="top-k percentage sent (100 = dense)")
    parser.add_argument("--train-samples", type=int, default=900, help="MNIST training samples split across nodes")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before giving up")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, partitions)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="fedad-flower-"))
    try:
        out = run_deployment(args.workers, args.rounds, args.rho, args.train_samples, args.timeout, work)
        print(json.dumps({"final": out["final"], "round_seconds": out["round_seconds"],
                          "deployment_wall_s": out["deployment_wall_s"]}, indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
