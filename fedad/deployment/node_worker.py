"""A SuperNode's long-lived fedad worker: one process per node that imports torch and fedad once, keeps
its partition and its worker's Algorithm 1 state (replica, residual, momentum, sampler) in memory across
rounds, and runs each round's job for the node's thin ClientApp (:mod:`flower_relay`), which reaches it
over a Unix-domain socket (:mod:`node_socket`).

Flower 1.41 starts a new ``flwr-clientapp`` process for every message, in ``subprocess`` and in
``process`` isolation alike (``flwr-clientapp`` serves one task token and exits), so the process that
lives across rounds has to be fedad's own. The deployment (:mod:`flower_deploy`) starts one per
SuperNode, in the node's network namespace, and stops it with the node. It also leaves when the process
that started it dies (``--parent-pid``), so that an interrupted run leaves nothing behind.

When the node config names a ``state-dir`` the state after each round is also written there, as the
per-message ClientApp does, so a run resumed from the ServerApp's checkpoint of round r finds it even
after this process was restarted.

    python -m fedad.deployment.node_worker --socket /path/worker.sock [--state-dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

from fedad import settings
from fedad.deployment.node_socket import encode_frame, read_frame
from fedad.deployment.worker_state import WorkerStateStore
from fedad.lifetime import watch_parent


class NodeWorker:
    """The fedad side of one SuperNode: its partitions (loaded once) and, per run and worker, the state
    after the last two rounds (a resumed run asks for the round of the ServerApp's last checkpoint, which
    may be one behind the newest)."""

    def __init__(self, state_dir: str | Path | None = None):
        self.state_dir = state_dir
        self.data: dict[str, dict] = {}
        self.store = WorkerStateStore(state_dir, in_memory=True)

    def _data(self, path: str) -> dict:
        import torch

        if path not in self.data:
            self.data[path] = torch.load(path, weights_only=True)
        return self.data[path]

    def train(self, spec: dict, data_path: str) -> dict:
        """Run the spec's round (:func:`remote_worker.run_job`) from the state kept after the round before."""
        from fedad.deployment.remote_worker import run_job

        outputs, new_state = run_job(spec, self._data(data_path), self.store.load(spec, spec["round"] - 1))
        self.store.save(spec, spec["round"], new_state)
        return outputs

    def handle(self, request: dict) -> dict:
        """Answer one request: ``{"kind": "train", "spec": <json>, "data_path": ...}`` or ``{"kind": "ping"}``."""
        kind = request.get("kind")
        if kind == "ping":
            return {"pid": os.getpid()}
        if kind != "train":
            return {"error": f"unknown request kind {kind!r}: expected 'train' or 'ping'"}
        try:
            return self.train(json.loads(request["spec"]), str(request["data_path"]))
        except Exception as exc:  # noqa: BLE001 — the node answers with the reason; the round drops this worker
            return {"error": f"{type(exc).__name__}: {exc}"}


def _run_clientapp(argv: list[str], server: socket.socket, conn: socket.socket) -> None:
    """In a forked child: run Flower's own ``flwr-clientapp`` main with ``argv`` and leave with its code.

    ``os._exit``: the child shares the parent's interpreter state, whose exit handlers are the parent's."""
    code = 1
    try:
        server.close()
        conn.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        from flwr.supernode.cli.flwr_clientapp import flwr_clientapp

        sys.argv = ["flwr-clientapp", *argv]
        flwr_clientapp()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 — a forked child must leave through os._exit whatever happens
        print(f"forked flwr-clientapp failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(path: Path, worker: NodeWorker, parent_pid: int | None = None, warm_clientapp: bool = True) -> None:
    """Answer requests on the Unix socket ``path`` one at a time, for ever (a node runs one task at once).

    With ``warm_clientapp`` a ``{"kind": "clientapp", "argv": [...]}`` request (from the ``flwr-clientapp``
    launcher the deployment puts first on the node's PATH) forks this process, with Flower and the relay
    app already imported, into Flower's ``flwr-clientapp`` for that task: Flower's per-message process
    then starts warm instead of importing Flower again."""
    import torch

    import fedad.deployment.remote_worker  # loaded once here, not in the first round

    if warm_clientapp:
        import flwr.supernode.cli.flwr_clientapp  # noqa: F401

        import fedad.deployment.flower_relay  # noqa: F401 — the app each forked clientapp loads

        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked clientapps are reaped as they exit
    torch.set_num_threads(1)  # three nodes share two cores: one thread each, as the in-process engines
    if parent_pid is not None:
        watch_parent(parent_pid, interval=0.5, code=0)  # a node worker without its run has nothing left to do
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        os.chmod(path, 0o600)  # only the node's own user may hand it jobs
        server.listen(4)
        print(f"fedad node worker {os.getpid()} listening on {path}", flush=True)
        while True:
            conn, _ = server.accept()
            with conn:
                try:
                    request = read_frame(conn)
                except (ConnectionError, ValueError) as exc:
                    print(f"dropped a malformed request: {exc}", file=sys.stderr, flush=True)
                    continue
                if warm_clientapp and request.get("kind") == "clientapp":
                    pid = os.fork()
                    if pid == 0:
                        _run_clientapp([str(a) for a in request.get("argv", [])], server, conn)
                    reply = {"pid": pid}
                else:
                    reply = worker.handle(request)
                with contextlib.suppress(OSError):  # the ClientApp may have given up on this reply
                    conn.sendall(encode_frame(reply))


LAUNCHER = """#!{python} -I
# fedad: Flower's SuperExec starts this instead of flwr-clientapp on a long-lived node. It hands the task's
# arguments to the node's fedad worker, which forks a warm flwr-clientapp; without one, the real one runs.
import os, sys
from fedad.deployment.node_socket import call
try:
    call(os.environ[{socket_variable!r}], {{"kind": "clientapp", "argv": sys.argv[1:]}}, 30.0)
except (KeyError, OSError, RuntimeError):
    os.execv({real!r}, [{real!r}, *sys.argv[1:]])
"""


def write_launcher(folder: Path, python: str, real_clientapp: str) -> Path:
    """Write the ``flwr-clientapp`` launcher (:data:`LAUNCHER`) into ``folder``; return the folder, to put
    first on a SuperNode's PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "flwr-clientapp"
    target.write_text(LAUNCHER.format(python=python, real=real_clientapp, socket_variable=settings.WORKER_SOCKET))
    target.chmod(0o755)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--socket", type=Path, required=True, help="Unix socket path to listen on")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="also write each worker's state after every round here (for resumed runs)")
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    parser.add_argument("--cold-clientapp", action="store_true",
                        help="do not fork warm flwr-clientapp processes (Flower starts each one from scratch)")
    args = parser.parse_args(argv)
    serve(args.socket, NodeWorker(args.state_dir), args.parent_pid, warm_clientapp=not args.cold_clientapp)


if __name__ == "__main__":
    main()
