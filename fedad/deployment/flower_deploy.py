"""A Flower deployment: one ``flower-superlink`` and N ``flower-supernode`` processes, a ``flwr run`` of
fedad's Flower app, then everything stopped. On 127.0.0.1, or inside a :class:`fedad.deployment.netlab.NetLab`
where every SuperNode sits behind its own link.

Secured by default: TLS with a certificate made for the run (or the user's, ``--tls-dir``), and node
authentication, so that only SuperNodes whose public keys were registered may join
(:mod:`fedad.deployment.flower_security`). ``--insecure`` turns both off and prints a warning.

A SuperNode that stops answering is dropped from each round at the round timeout and the run goes on
with the others; the result's ``dropped_nodes`` says which node dropped, in which round and when. The
ServerApp writes a checkpoint after every round, and a run started again with the same work folder
(after a SuperLink crash, say) resumes from it; each SuperNode keeps its worker's state per round on its
own disk (``state-dir``), so the resumed run continues exactly where the checkpoint left it.

Two app modes (``--mode``). ``long-lived`` (default): each SuperNode gets a fedad worker process of
its own (:mod:`node_worker`) that loads torch, the partition and the worker's state once and keeps them
across rounds; Flower still starts one ``flwr-clientapp`` per message (flwr 1.41 has no other way: that
process serves one task token and exits, in ``subprocess`` and ``process`` isolation alike), but the
deployment puts a launcher first on the node's PATH that has the worker fork it warm, with Flower and the
relaying ClientApp (:mod:`flower_relay`) already imported. ``subprocess``: Flower's own per-message
process imports torch and fedad and does the whole job (:mod:`flower_app`).

This is also the recipe for real separate machines: run the SuperLink on the aggregator's host with
its certificate, one SuperNode per edge device (``--superlink <host>:<port> --root-certificates ca.crt
--auth-supernode-private-key <its key> --node-config 'partition-id=k data-path=/its/partition.pt'``),
register each device's public key with ``flwr supernode register``, and ``flwr run`` from anywhere that
can reach the Control API. For the long-lived mode, also start ``python -m
fedad.deployment.node_worker --socket S`` beside each SuperNode, add ``worker-socket="S"`` to its
node config, and point the app's ``clientapp`` at ``fedad.deployment.flower_relay:client_app``.
``python -m fedad.deployment.flower_deploy --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from fedad import settings
from fedad.deployment.flower_modes import CLIENT_APPS, MODES, TASK_POLL_S
from fedad.deployment.flower_security import NodeKey, TlsFiles, make_certificates, make_node_key
from fedad.deployment.node_worker import write_launcher

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
serverapp = "fedad.deployment.flower_server:server_app"
clientapp = "{clientapp}"

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
checkpoint-path = ""
progress-path = ""
run-name = ""
round-timeout = 120.0
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


def _stop_trees(procs: list[subprocess.Popen], graceful_s: float) -> None:
    """SIGTERM (or SIGKILL when ``graceful_s`` is 0) to each process and all its descendants, then
    SIGKILL to whatever still runs after ``graceful_s``. The trees are listed first: Flower's SuperExec
    starts the app processes in sessions of their own, and they outlive a parent that dies first."""
    tree = []
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            root = psutil.Process(proc.pid)
            tree += [root, *root.children(recursive=True)]
    for p in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.send_signal(signal.SIGTERM if graceful_s else signal.SIGKILL)
    _, alive = psutil.wait_procs(tree, timeout=graceful_s or 5.0)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5.0)
    for proc in procs:
        proc.wait()


class DeploymentError(RuntimeError):
    """The deployment could not start or did not finish (the message names the log folder)."""


class FlowerDeployment:
    """The processes of one Flower deployment and the credentials they use (a context manager: leaving
    it stops every process).

    ``insecure``: no TLS and no node authentication (a warning is printed). Otherwise ``tls`` gives the
    certificate files (:class:`TlsFiles`), or a CA and a SuperLink certificate are made for the run in
    ``<work>/certs``; with ``node_auth`` every SuperNode gets a key pair in ``<work>/keys`` and only
    nodes added with ``listed=True`` are registered with the SuperLink.

    ``mode``: ``"long-lived"`` starts one fedad worker process per SuperNode (:mod:`node_worker`) that
    keeps torch, the partition and the worker's state loaded across rounds, and Flower's per-message
    ClientApp only relays to it (:mod:`flower_relay`); ``"subprocess"`` runs the whole job in Flower's
    per-message ClientApp process (:mod:`flower_app`), which imports torch and fedad for every message.
    ``task_poll_s``: how often each node's ``flower-superexec`` asks for a new task. ``node_poll_s``: a
    control only: run each SuperNode with its hard-coded 3 s / 0.5 s waits capped at this many seconds
    (:mod:`supernode_poll`); None runs Flower's SuperNode as it is.
    """

    def __init__(self, work: Path, lab=None, insecure: bool = False, tls: TlsFiles | None = None,
                 node_auth: bool = True, mode: str = "long-lived", task_poll_s: float = TASK_POLL_S,
                 node_poll_s: float | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode, self.node_poll_s = mode, node_poll_s
        self.work = Path(work)
        self.lab = lab
        self.insecure = insecure
        self.node_auth = node_auth and not insecure
        self.app_dir, self.home, self.logs = self.work / "app", self.work / "flwr_home", self.work / "logs"
        for d in (self.app_dir, self.home, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        (self.app_dir / "pyproject.toml").write_text(PYPROJECT.replace("{clientapp}", CLIENT_APPS[mode]))
        (self.app_dir / "README.md").write_text("fedad Flower app\n")
        self.host = lab.hub_address if lab is not None else "127.0.0.1"
        self.hub = lab.prefix(None) if lab is not None else []
        self.port = free_port()  # flwr 1.41: Fleet and Control APIs share the SuperLink's one HTTP port
        if insecure:
            print("WARNING: Flower deployment without TLS or node authentication (--insecure): anyone who "
                  f"reaches {self.host}:{self.port} can read the updates and join the federation", file=sys.stderr)
            self.tls = None
        else:
            self.tls = tls or make_certificates(self.work / "certs", [self.host, "localhost"])
            self.tls.check()
        connection = f'address = "{self.host}:{self.port}"\n' + (
            "insecure = true\n" if insecure else f'root-certificates = "{self.tls.ca_cert}"\n')
        (self.home / "config.toml").write_text(f'[superlink]\ndefault = "run"\n\n[superlink.run]\n{connection}')
        # the SuperLink and SuperNodes start flower-superexec / flwr-serverapp / flwr-clientapp by name
        self.env = dict(os.environ, FLWR_HOME=str(self.home), PYTHONUNBUFFERED="1",
                        FLWR_SUPEREXEC_TASK_POLL_INTERVAL=str(task_poll_s),
                        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        self.procs: dict[str, subprocess.Popen] = {}
        self.keys: dict[str, NodeKey] = {}
        self.worker_sockets: dict[str, Path] = {}
        self.launcher_dir = write_launcher(self.work / "node_bin", sys.executable, str(BIN / "flwr-clientapp"))
        self._old_handler = None

    def __enter__(self) -> FlowerDeployment:  # noqa: PYI034 — not meant to be subclassed
        # a SIGTERM must still stop the processes: raise in the main thread so that __exit__ runs
        if threading.current_thread() is threading.main_thread():
            self._old_handler = signal.signal(signal.SIGTERM, self._interrupt)
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        if self._old_handler is not None:
            signal.signal(signal.SIGTERM, self._old_handler)
            self._old_handler = None

    @staticmethod
    def _interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    # -- processes ---------------------------------------------------------------------------------
    def _start(self, cmd: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        # the child holds its own copy of the descriptor: the parent's can be closed at once
        with open(self.logs / f"{name}.log", "a") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env or self.env, cwd=self.work)
        self.procs[name] = proc
        return proc

    def _tls_server_args(self) -> list[str]:
        if self.insecure:
            return ["--insecure"]
        return ["--ssl-ca-certfile", str(self.tls.ca_cert), "--ssl-certfile", str(self.tls.server_cert),
                "--ssl-keyfile", str(self.tls.server_key)]

    def start_superlink(self) -> None:
        """Start the SuperLink (again, after :meth:`kill`: same database, so registered nodes stay)."""
        auth = ["--enable-supernode-auth"] if self.node_auth else []
        self._start([*self.hub, str(BIN / "flower-superlink"), *self._tls_server_args(), *auth, "--host", self.host,
                     "--port", str(self.port), "--database", str(self.work / "state.db"),
                     "--disable-runtime-dependency-installation"], "superlink")
        _wait_port(self.port, 60, self.host, self.hub or None)

    def flwr(self, *args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess:
        """Run the ``flwr`` command against this deployment's SuperLink (from the hub's namespace)."""
        return subprocess.run([*self.hub, str(BIN / "flwr"), *args], env=self.env, cwd=self.work, check=False,
                              timeout=timeout_s, capture_output=True, text=True)

    def add_node(self, k: int, partitions: int, listed: bool = True, trust: bool = True,
                 max_retries: int | None = None) -> str:
        """Start SuperNode ``k`` for partition ``k`` of ``partitions``; return its name (``supernode<k>``).

        ``listed``: register its public key first (with node authentication). ``trust``: give it the run's
        CA; without it the node checks the SuperLink against the system's CAs only. ``max_retries``: how
        often it tries to connect before it gives up (None: for ever).
        """
        name = f"supernode{k}"
        node = self.lab.prefix(k) if self.lab is not None else []
        state_dir = self.work / "node_state" / name
        node_config = f'partition-id={k} num-partitions={partitions} state-dir="{state_dir}"'
        env = None
        if self.mode == "long-lived":
            sock = self.start_worker(k, state_dir)
            node_config += f' worker-socket="{sock}"'
            # the node's SuperExec finds fedad's flwr-clientapp launcher first: warm forks of the worker
            env = dict(self.env, **{settings.WORKER_SOCKET: str(sock)},
                       PATH=f"{self.launcher_dir}{os.pathsep}{self.env['PATH']}")
        supernode = [str(BIN / "flower-supernode")] if self.node_poll_s is None else [
            sys.executable, "-m", "fedad.deployment.supernode_poll", "--poll", str(self.node_poll_s), "--"]
        cmd = [*node, *supernode, "--superlink", f"{self.host}:{self.port}",
               "--port", str(free_port()), "--node-config", node_config]
        if self.insecure:
            cmd.append("--insecure")
        elif trust:
            cmd += ["--root-certificates", str(self.tls.ca_cert)]
        if self.node_auth:
            self.keys[name] = key = self.keys.get(name) or make_node_key(self.work / "keys", name)
            cmd += ["--auth-supernode-private-key", str(key.private)]
            if listed:
                out = self.flwr("supernode", "register", str(key.public))
                if out.returncode != 0:
                    raise DeploymentError(f"could not register {name}: {(out.stdout + out.stderr).strip()[-500:]}")
        if max_retries is not None:
            cmd += ["--max-retries", str(max_retries)]
        self._start(cmd, name, env)
        return name

    def start_worker(self, k: int, state_dir: Path) -> Path:
        """Start SuperNode ``k``'s long-lived fedad worker (in the node's namespace); return its socket.

        It leaves when this process dies, so an interrupted run leaves no worker behind."""
        node = self.lab.prefix(k) if self.lab is not None else []
        # a short path: a Unix socket's path must fit in 108 bytes, and work folders can be deep
        sock = Path(tempfile.mkdtemp(prefix="fedad-node-")) / f"{k}.sock"
        self._start([*node, sys.executable, "-m", "fedad.deployment.node_worker", "--socket", str(sock),
                     "--state-dir", str(state_dir), "--parent-pid", str(os.getpid())], f"worker{k}")
        self.worker_sockets[f"worker{k}"] = sock
        return sock

    def wait_workers(self, timeout_s: float = 120.0) -> None:
        """Wait until every long-lived worker answers on its socket (they load torch while nodes join)."""
        from fedad.deployment.node_socket import call

        for name, sock in self.worker_sockets.items():
            if name not in self.procs:  # killed on purpose
                continue
            deadline = time.monotonic() + timeout_s
            while True:
                if self.procs[name].poll() is not None:
                    raise DeploymentError(f"{name} exited with {self.procs[name].returncode}; logs in {self.logs}")
                try:
                    call(str(sock), {"kind": "ping"}, 5.0)
                    break
                except ConnectionError:
                    if time.monotonic() > deadline:
                        raise DeploymentError(f"{name} does not answer on {sock} after {timeout_s:.0f}s; "
                                              f"logs in {self.logs}") from None
                    time.sleep(0.2)

    def online_nodes(self) -> int:
        """How many SuperNodes the SuperLink lists as online."""
        out = self.flwr("supernode", "list", "--format", "json")
        if out.returncode != 0:
            raise DeploymentError(f"flwr supernode list failed: {(out.stdout + out.stderr).strip()[-500:]}")
        rows = json.loads(out.stdout[out.stdout.index("{"):]).get("nodes", [])
        return sum(1 for r in rows if str(r.get("status", "")).lower() == "online")

    def kill(self, name: str) -> None:
        """Kill a process and every process it started at once (SIGKILL), as a crash or a power cut would."""
        names = [name]
        if name.startswith("supernode") and f"worker{name[len('supernode'):]}" in self.procs:
            names.append(f"worker{name[len('supernode'):]}")  # the device's own worker dies with it
        _stop_trees([self.procs.pop(n) for n in names], graceful_s=0.0)

    def close(self) -> None:
        """Stop every process this deployment started, with the app processes they started."""
        _stop_trees(list(self.procs.values()), graceful_s=10.0)
        self.procs.clear()
        for sock in self.worker_sockets.values():
            shutil.rmtree(sock.parent, ignore_errors=True)
        self.worker_sockets.clear()

    # -- a run -------------------------------------------------------------------------------------
    @property
    def result_path(self) -> Path:
        return self.work / "result.json"

    @property
    def progress_path(self) -> Path:
        """The ServerApp's last finished round (``{"round": r}``), written after each round."""
        return self.work / "progress.json"

    def submit(self, workers: int, rounds: int, rho: float, train_samples: int, task: str = "mnist",
               round_timeout_s: float = 120.0, extra_config: dict | None = None) -> None:
        """``flwr run`` fedad's app: the ServerApp starts (or resumes from ``<work>/checkpoint.pt``)."""
        self.wait_workers()
        overrides = (f'num-workers={workers} rounds={rounds} rho={rho} train-samples={train_samples} '
                     f'task="{task}" workdir="{self.work / "data"}" result-path="{self.result_path}" '
                     f'checkpoint-path="{self.work / "checkpoint.pt"}" progress-path="{self.progress_path}" '
                     f'round-timeout={float(round_timeout_s)} run-name="{self.work.name}"')
        for key, value in (extra_config or {}).items():
            overrides += f' {key}={json.dumps(value)}'
        out = self.flwr("run", str(self.app_dir), "--run-config", overrides)
        if out.returncode != 0:
            raise DeploymentError(f"flwr run failed: {(out.stdout + out.stderr).strip()[-800:]}; logs in {self.logs}")

    def wait_for(self, done, timeout_s: float, what: str) -> None:
        """Wait until ``done()``; raise :class:`DeploymentError` at the timeout or if the SuperLink stops."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise DeploymentError(f"no {what} after {timeout_s:.0f}s; logs in {self.logs}")
            if "superlink" in self.procs and self.procs["superlink"].poll() is not None:
                raise DeploymentError(f"the SuperLink stopped; logs in {self.logs}")
            time.sleep(0.3)

    def rounds_done(self) -> int:
        try:
            return int(json.loads(self.progress_path.read_text())["round"])
        except (OSError, ValueError, KeyError):
            return 0

    def result(self, timeout_s: float) -> dict:
        self.wait_for(self.result_path.is_file, timeout_s, "result")
        out = json.loads(self.result_path.read_text())
        out["logs"] = str(self.logs)
        return out


def run_deployment(workers: int = 2, rounds: int = 2, rho: float = 1.0, train_samples: int = 600,
                   timeout_s: float = 300.0, workdir: Path | None = None, lab=None, task: str = "mnist",
                   extra_config: dict | None = None, insecure: bool = False, tls: TlsFiles | None = None,
                   round_timeout_s: float = 120.0, mode: str = "long-lived", task_poll_s: float = TASK_POLL_S,
                   node_poll_s: float | None = None) -> dict:
    """Start a secured SuperLink and ``workers`` registered SuperNodes, run the app, stop them; return the
    run's result (with ``deployment_wall_s``).

    On loopback by default. With a :class:`fedad.deployment.netlab.NetLab`, the SuperLink and the
    ServerApp run in the lab's hub namespace and SuperNode k in device k's namespace, so every message
    crosses that device's shaped link. ``task``: ``mnist`` (simple CNN) or ``power_demand`` (AMCNN-LSTM).
    ``mode``: ``long-lived`` or ``subprocess``; ``node_poll_s``: the SuperNode polling control
    (:class:`FlowerDeployment`).
    """
    work = Path(workdir or tempfile.mkdtemp(prefix="fedad-flower-"))
    with FlowerDeployment(work, lab, insecure, tls, mode=mode, task_poll_s=task_poll_s, node_poll_s=node_poll_s) as dep:
        dep.start_superlink()
        for k in range(workers):
            dep.add_node(k, workers)
        started = time.perf_counter()
        dep.submit(workers, rounds, rho, train_samples, task, round_timeout_s, extra_config)
        out = dep.result(timeout_s)
        out["deployment_wall_s"] = time.perf_counter() - started
        out["mode"], out["task_poll_s"], out["node_poll_s"] = mode, task_poll_s, node_poll_s
        return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=3, help="number of SuperNodes (edge devices)")
    parser.add_argument("--rounds", type=int, default=3, help="federated rounds")
    parser.add_argument("--rho", type=float, default=1.0, help="top-k percentage sent (100 = dense)")
    parser.add_argument("--train-samples", type=int, default=900, help="MNIST training samples split across nodes")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before giving up the whole run")
    parser.add_argument("--round-timeout", type=float, default=120.0,
                        help="seconds a round waits for a SuperNode before dropping it from that round")
    parser.add_argument("--tls-dir", type=Path, default=None,
                        help="folder with your ca.crt, server.pem and server.key (default: made for the run)")
    parser.add_argument("--insecure", action="store_true",
                        help="no TLS and no node authentication (prints a warning; loopback experiments only)")
    parser.add_argument("--mode", choices=MODES, default="long-lived",
                        help="long-lived: one resident fedad worker per SuperNode, Flower's per-message app only "
                             "relays (default); subprocess: the per-message app imports torch and does the work")
    parser.add_argument("--task-poll", type=float, default=TASK_POLL_S,
                        help=f"seconds between a node's asks for a new task (flower-superexec; default {TASK_POLL_S})")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, partitions, keys)")
    args = parser.parse_args(argv)
    tls = None
    if args.tls_dir is not None:
        tls = TlsFiles(args.tls_dir / "ca.crt", args.tls_dir / "server.pem", args.tls_dir / "server.key")
        try:
            tls.check()
        except FileNotFoundError as exc:
            parser.error(str(exc))
    work = Path(tempfile.mkdtemp(prefix="fedad-flower-"))
    try:
        out = run_deployment(args.workers, args.rounds, args.rho, args.train_samples, args.timeout, work,
                             insecure=args.insecure, tls=tls, round_timeout_s=args.round_timeout, mode=args.mode,
                             task_poll_s=args.task_poll)
        print(json.dumps({"mode": out["mode"], "final": out["final"], "round_seconds": out["round_seconds"],
                          "dropped_nodes": out["dropped_nodes"], "deployment_wall_s": out["deployment_wall_s"]},
                         indent=1))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
