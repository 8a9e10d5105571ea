"""A real, rate-limited network between real processes: Linux network namespaces, veth pairs and tbf.

Topology — every interface lives in a namespace this module made; the host's own namespace, its
interfaces and its qdiscs are never touched::

    fedad-lab-hub    bridge br0, 10.78.0.1/24        the aggregator (Flower SuperLink and ServerApp)
      └─ h<k> ══ c<k>  fedad-lab-c<k>, 10.78.0.<10+k>  one edge device (a Flower SuperNode) each

Device k's uplink is the token-bucket (tbf) qdisc on its c<k>, its downlink the one on the hub's h<k>:
every device has its own link, as the link model assumes. Rates are shaped; no delay is added (netem,
which adds delay, is not in every kernel — not in the reference machine's), so a link's own latency is
the veth's, tens of microseconds. Needs root (``ip netns``); :func:`available`
says why not. Namespaces left by a killed run (the ``fedad-lab`` prefix) are removed at start, and
:class:`NetLab` removes its own on exit, on an exception and on SIGTERM / SIGINT.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass

PREFIX = "fedad-lab"
HUB = f"{PREFIX}-hub"
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


def leftovers() -> list[str]:
    """Namespaces of an earlier run (the ``fedad-lab`` prefix) that are still there."""
    out = _ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def remove_leftovers() -> list[str]:
    """Delete every ``fedad-lab`` namespace (their veths and qdiscs go with them); return their names."""
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
        self.clients = [f"{PREFIX}-c{k}" for k in range(n_clients)]
        self._old_handlers: dict = {}

    # -- life cycle -------------------------------------------------------------------------------
    def __enter__(self) -> NetLab:  # noqa: PYI034 — NetLab is not meant to be subclassed
        remove_leftovers()
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
        for ns in [HUB, *self.clients]:
            _ip("netns", "del", ns, check=False)
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        self._old_handlers.clear()

    def _build(self) -> None:
        _ip("netns", "add", HUB)
        _ip("-n", HUB, "link", "set", "lo", "up")
        _ip("-n", HUB, "link", "add", "br0", "type", "bridge")
        _ip("-n", HUB, "addr", "add", f"{HUB_ADDRESS}/24", "dev", "br0")
        _ip("-n", HUB, "link", "set", "br0", "up")
        for k, ns in enumerate(self.clients):
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            # both ends are created inside namespaces: no interface ever appears in the host's namespace
            _ip("-n", HUB, "link", "add", f"h{k}", "type", "veth", "peer", "name", f"c{k}", "netns", ns)
            _ip("-n", HUB, "link", "set", f"h{k}", "master", "br0")
            _ip("-n", HUB, "link", "set", f"h{k}", "up")
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
        return ["ip", "netns", "exec", HUB if k is None else self.clients[k]]

    def shape(self, uplink: LinkShape, downlink: LinkShape) -> None:
        """Set every device's uplink and downlink (replacing the previous qdiscs)."""
        for k, ns in enumerate(self.clients):
            _tc(ns, "qdisc", "replace", "dev", f"c{k}", "root", *uplink.qdisc_args())
            _tc(HUB, "qdisc", "replace", "dev", f"h{k}", "root", *downlink.qdisc_args())

    def sent_bytes(self) -> dict[str, int]:
        """Bytes each qdisc has sent so far: "up<k>" (device k → hub) and "down<k>" (hub → device k)."""
        out = {}
        for k, ns in enumerate(self.clients):
            for key, where, dev in ((f"up{k}", ns, f"c{k}"), (f"down{k}", HUB, f"h{k}")):
                stats = _tc(where, "-s", "qdisc", "show", "dev", dev)
                match = re.search(r"Sent (\d+) bytes", stats)
                out[key] = int(match.group(1)) if match else 0
        return out
