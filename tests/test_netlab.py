"""The rate-limited lab: namespaces made and removed, the host's qdiscs untouched (needs root)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from fedad.deployment import netlab
from fedad.deployment.netlab import LinkShape, NetLab

OK, WHY = netlab.available()
needs_netns = pytest.mark.skipif(not OK, reason=f"network namespaces unavailable: {WHY}")


def _host_qdiscs() -> str:
    return subprocess.run(["tc", "qdisc", "show"], capture_output=True, text=True, check=False).stdout


def test_link_shape_rejects_a_non_positive_rate():
    with pytest.raises(ValueError, match="rate"):
        LinkShape(0.0)
    assert LinkShape(None).qdisc_args()[0] == "pfifo" and "tbf" in LinkShape(1.0).qdisc_args()


@needs_netns
def test_lab_shapes_links_and_leaves_the_host_unchanged():
    before = _host_qdiscs()
    with NetLab(2) as lab:
        lab.shape(LinkShape(8.0), LinkShape(80.0))
        assert set(lab.namespaces) <= set(netlab.lab_namespaces()) and not set(lab.namespaces) & set(
            netlab.leftovers())  # its maker is alive: not a leftover, whatever other labs run beside it
        listen = ("import socket;s=socket.socket();s.bind(('10.78.0.1',9999));s.listen();"
                  "c,_=s.accept();n=0\nwhile True:\n d=c.recv(65536)\n if not d: break\n n+=len(d)")
        server = subprocess.Popen([*lab.prefix(None), sys.executable, "-c", listen])
        time.sleep(0.5)
        start = time.perf_counter()
        send = "import socket;s=socket.create_connection(('10.78.0.1',9999));s.sendall(b'x'*200000);s.shutdown(1);s.recv(1)"
        subprocess.run([*lab.prefix(0), sys.executable, "-c", send], check=True, timeout=30)
        took = time.perf_counter() - start
        server.wait(timeout=10)
        assert lab.sent_bytes()["up0"] >= 200000
        assert took > 0.8 * 200000 * 8 / 8e6  # 200 kB at 8 Mbit/s: the link is really shaped
    assert not set(lab.namespaces) & set(netlab.lab_namespaces()) and _host_qdiscs() == before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@needs_netns
def test_a_leftover_namespace_is_removed_at_start_and_a_running_labs_are_kept():
    stale = [f"{netlab.PREFIX}-c7", f"{netlab.PREFIX}-{_dead_pid()}-0-hub"]  # an old-style name; a gone maker's
    for ns in stale:
        subprocess.run(["ip", "netns", "add", ns], check=True)
    with NetLab(1) as first, NetLab(1) as second:  # two labs side by side: the second keeps the first's
        assert not set(stale) & set(netlab.lab_namespaces())
        assert set(first.namespaces + second.namespaces) <= set(netlab.lab_namespaces())
        assert first.hub != second.hub
    assert not set(first.namespaces + second.namespaces) & set(netlab.lab_namespaces())


@needs_netns
def test_a_killed_run_cleans_up_its_namespaces():
    script = ("import time\nfrom fedad.deployment.netlab import NetLab\nwith NetLab(1) as lab:\n"
              " print(' '.join(lab.namespaces), flush=True)\n time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=os.getcwd()))
    made = proc.stdout.readline().split()
    assert made and set(made) <= set(netlab.lab_namespaces())
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert not set(made) & set(netlab.lab_namespaces())


def test_measured_link_skips_cleanly_without_namespaces(monkeypatch, capsys):
    from fedad.experiments import comm_measured

    monkeypatch.setattr(comm_measured, "available", lambda: (False, "needs root for network namespaces"))
    assert comm_measured.main([]) == 0
    assert "skipped: needs root for network namespaces" in capsys.readouterr().out


@needs_netns
@pytest.mark.skipif(not OK or __import__("importlib").util.find_spec("flwr") is None, reason="needs Flower")
def test_measured_link_runs_a_real_deployment_and_compares_with_the_model(tmp_path):
    from fedad.experiments import comm_measured

    before = _host_qdiscs()
    assert comm_measured.main(["--rates", "2", "--rounds", "2", "--workers", "2", "--compressors", "topk",
                               "--modes", "long-lived", "--train-samples", "320", "--results", str(tmp_path)]) == 0
    import json

    rows = json.loads((tmp_path / "comm_measured" / "measured.json").read_text())["rows"]
    shaped = next(r for r in rows if r["rate_mbit"] == 2)
    assert shaped["median_round_s"] > 0 and shaped["measured_over_calibrated"] > 0
    assert shaped["mode"] == "long-lived" and shaped["split"]["app_start_s"] > 0 and shaped["split"]["flower_s"] >= 0
    mine = f"{netlab.PREFIX}-{os.getpid()}-"  # other test workers' labs may run beside this one
    assert not [ns for ns in netlab.lab_namespaces() if ns.startswith(mine)] and _host_qdiscs() == before
