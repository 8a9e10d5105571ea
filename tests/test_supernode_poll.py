"""The polling control's SuperNode: only the waits of Flower's SuperNode loop change."""

import time

import pytest

from fedad.deployment.supernode_poll import CappedSleep, main


def test_sleeps_are_capped_and_everything_else_is_the_time_module():
    capped = CappedSleep(0.05)
    start = time.perf_counter()
    capped.sleep(3)
    assert time.perf_counter() - start < 1.0
    assert capped.monotonic is time.monotonic and capped.time is time.time


def test_the_cap_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["--poll", "0", "--", "--insecure"])
    assert "--poll must be positive" in capsys.readouterr().err


def test_flower_supernode_still_reads_time_from_its_module():
    pytest.importorskip("flwr", reason="flower extra not installed (pip install -e '.[flower]')")
    from flwr.supernode import start_client_internal

    # the control replaces this module attribute; if Flower stops using it, the control changes nothing
    assert start_client_internal.time is time
