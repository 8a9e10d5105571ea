"""A real, rate-limited network between real processes: Linux network namespaces, veth pairs and tbf.

Topology — every interface lives in a namespace this module made; the host's own namespace, its
interfaces and its qdiscs are never touched::

    fedad-lab-<tag>-hub    bridge br0, 10.78.0.1/24        the aggregator (Flower SuperLink and ServerApp)
      └─ h<k> ══ c<k>  fedad-lab-<tag>-c<k>, 10.78.0.<10+k>  one edge device (a Flower SuperNode) each

Device k's uplink is the token-bucket (tbf) qdisc on its c<k>, its downlink the one on the hub's h<k>:
every device has its own link, as the link model assumes. Rates are shaped; no delay is added (netem,
which adds delay, is not in every kernel — not in the reference machine's), so a link's own latency is
the veth's, tens of microseconds. Needs root (``ip netns``); :func:`available`
says why not. ``<tag>`` is the making process's id and a count, so labs of several processes (test workers,
two measurements) live side by side, each in namespaces of its own with the same addresses. Namespaces
left by a killed run (the ``fedad-lab`` prefix, of a process that is gone) are removed at start, and
:class:`NetLab` removes its own on exit, on an exception and on SIGTERM / SIGINT.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from itertools import count

PREFIX = "fedad-lab"
_LABS = count()
_OPEN: set[str] = set()  # this process's labs now open (a reused pid must not keep a dead maker's namespaces)
SUBNET = "10.78.0"
HUB_ADDRESS = f"{SUBNET}.1"


class NetLabError(RuntimeError):
    """A namespace, link or qdisc could not be made."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and out.returncode != 0:
        raise NetLabError(f"ip {' '.join(args)}: {out.stderr.strip()}")
    return out


def _tc(ns: str, *args: str) -> str:
    out = subprocess.run(["ip", "netns", "exec", ns, "tc", *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise NetLabError(f"tc {' '.join(args)} in {ns}: {out.stderr.strip()}")
    return out.stdout


def available() -> tuple[bool, str]:
    """(True, "") when this process can make namespaces and qdiscs; else (False, why)."""
    if os.name != "posix" or not hasattr(os, "geteuid"):
        return False, "network namespaces exist only on Linux"
    if os.geteuid() != 0:
        return False, "needs root for network namespaces"
    if shutil.which("ip") is None or shutil.which("tc") is None:
        return False, "needs iproute2 (ip, tc) for network namespaces"
    # per process and outside PREFIX: test workers probe at the same time, and leftovers() must not see it
    probe = f"fedad-probe-{os.getpid()}"
    _ip("netns", "del", probe, check=False)
    if _ip("netns", "add", probe, check=False).returncode != 0:
        return False, "needs root for network namespaces (ip netns add failed)"
    _ip("netns", "del", probe, check=False)
    return True, ""


def lab_namespaces() -> list[str]:
    """Every ``fedad-lab`` namespace there is, of a running lab or left by a killed one."""
    out = _ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def _owner(namespace: str) -> int | None:
    """The id of the process that made ``namespace`` (``fedad-lab-<pid>-<n>-…``); None for another name."""
    tag = namespace[len(PREFIX) + 1:].split("-")[0]
    return int(tag) if tag.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def leftovers() -> list[str]:
    """``fedad-lab`` namespaces whose making process is gone: left by a killed run (or named with this
    process's id by one that died before this process had it)."""
    mine = os.getpid()
    return [ns for ns in lab_namespaces()
            if (pid := _owner(ns)) is None or not _alive(pid) or (pid == mine and ns.rsplit("-", 1)[0] not in _OPEN)]


def remove_leftovers() -> list[str]:
    """Delete the namespaces a killed run left (their veths and qdiscs go with them); return their names."""
    gone = leftovers()
    for ns in gone:
        _ip("netns", "del", ns, check=False)
    return gone


@dataclass(frozen=True)
class LinkShape:
    """One link's rate in Mbit/s (None: unshaped)."""

    rate_mbit: float | None

    def __post_init__(self) -> None:
        if self.rate_mbit is not None and not self.rate_mbit > 0:
            raise ValueError(f"a link rate must be > 0 Mbit/s, got {self.rate_mbit}")

    def qdisc_args(self) -> list[str]:
        if self.rate_mbit is None:
            return ["pfifo", "limit", "10000"]
        kbit = max(8, round(self.rate_mbit * 1000))
        burst = max(16_000, kbit * 1000 // 8 // 100)  # 10 ms of traffic: smooth at every rate
        # a deep queue (limit) lets a burst wait, as at a real modem, instead of being dropped
        return ["tbf", "rate", f"{kbit}kbit", "burst", str(burst), "limit", str(64 * 2**20)]


class NetLab:
    """A hub namespace and ``n_clients`` device namespaces, each on its own shaped link."""

    def __init__(self, n_clients: int):
        if not 1 <= n_clients <= 200:
            raise ValueError(f"n_clients must be in 1..200, got {n_clients}")
        self.n_clients = n_clients
        self.tag = f"{PREFIX}-{os.getpid()}-{next(_LABS)}"
        self.hub = f"{self.tag}-hub"
        self.clients = [f"{self.tag}-c{k}" for k in range(n_clients)]
        self._old_handlers: dict = {}

    # -- life cycle -------------------------------------------------------------------------------
    def __enter__(self) -> NetLab:  # noqa: PYI034 — NetLab is not meant to be subclassed
        remove_leftovers()
        _OPEN.add(self.tag)
        for sig in (signal.SIGTERM, signal.SIGINT):  # a kill must still run __exit__
            self._old_handlers[sig] = signal.signal(sig, self._interrupt)
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def _interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def close(self) -> None:
        for ns in self.namespaces:
            _ip("netns", "del", ns, check=False)
        _OPEN.discard(self.tag)
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        self._old_handlers.clear()

    @property
    def namespaces(self) -> list[str]:
        """This lab's namespaces: the hub's, then each device's."""
        return [self.hub, *self.clients]

    def _build(self) -> None:
        _ip("netns", "add", self.hub)
        _ip("-n", self.hub, "link", "set", "lo", "up")
        _ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.hub, "addr", "add", f"{HUB_ADDRESS}/24", "dev", "br0")
        _ip("-n", self.hub, "link", "set", "br0", "up")
        for k, ns in enumerate(self.clients):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            # both ends are created inside namespaces: no interface ever appears in the host's namespace
            _ip("-n", self.hub, "link", "add", f"h{k}", "type", "veth", "peer", "name", f"c{k}", "netns", ns)
            _ip("-n", self.hub, "link", "set", f"h{k}", "master", "br0")
            _ip("-n", self.hub, "link", "set", f"h{k}", "up")
            _ip("-n", ns, "addr", "add", f"{self.address(k)}/24", "dev", f"c{k}")
            _ip("-n", ns, "link", "set", f"c{k}", "up")

    # -- use --------------------------------------------------------------------------------------
    @staticmethod
    def address(k: int) -> str:
        return f"{SUBNET}.{10 + k}"

    @property
    def hub_address(self) -> str:
        return HUB_ADDRESS

    def prefix(self, k: int | None) -> list[str]:
        """The command prefix that runs a program in the hub (``None``) or in device ``k``'s namespace."""
        return ["ip", "netns", "exec", self.hub if k is None else self.clients[k]]

    def shape(self, uplink: LinkShape, downlink: LinkShape) -> None:
        """Set every device's uplink and downlink (replacing the previous qdiscs)."""
        for k, ns in enumerate(self.clients):
            _tc(ns, "qdisc", "replace", "dev", f"c{k}", "root", *uplink.qdisc_args())
            _tc(self.hub, "qdisc", "replace", "dev", f"h{k}", "root", *downlink.qdisc_args())

    def sent_bytes(self) -> dict[str, int]:
        """Bytes each qdisc has sent so far: "up<k>" (device k → hub) and "down<k>" (hub → device k)."""
        out = {}
        for k, ns in enumerate(self.clients):
            for key, where, dev in ((f"up{k}", ns, f"c{k}"), (f"down{k}", self.hub, f"h{k}")):
                stats = _tc(where, "-s", "qdisc", "show", "dev", dev)
                match = re.search(r"Sent (\d+) bytes", stats)
                out[key] = int(match.group(1)) if match else 0
        return out
