"""The node socket's frames: every ConfigRecord value type comes back as it went, bytes as raw blobs."""

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedad.deployment.node_socket import call, encode_frame, read_frame

SCALARS = st.one_of(st.text(max_size=20), st.integers(-(2**62), 2**62), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))
VALUES = st.one_of(SCALARS, st.binary(max_size=2000), st.lists(SCALARS, max_size=5))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10), VALUES, max_size=6))
def test_a_record_round_trips_through_a_frame(record):
    a, b = socket.socketpair()
    with a, b:
        a.sendall(encode_frame(record))
        assert read_frame(b) == record


def test_bytes_travel_raw_not_as_base64():
    blob = bytes(range(256)) * 40
    frame = encode_frame({"update": blob, "loss": 0.5})
    assert blob in frame and len(frame) < len(blob) + 200


def test_a_peer_that_hangs_up_mid_frame_is_a_connection_error():
    a, b = socket.socketpair()
    with b:
        a.sendall(encode_frame({"update": b"x" * 100})[:-10])
        a.close()
        with pytest.raises(ConnectionError, match="closed the socket"):
            read_frame(b)


def test_calling_a_socket_nobody_listens_on_names_it(tmp_path):
    with pytest.raises(ConnectionError, match="no fedad worker listens on"):
        call(str(tmp_path / "none.sock"), {"kind": "ping"}, 1.0)


def test_a_process_age_counts_from_its_creation():
    import subprocess
    import sys

    script = "import time; time.sleep(0.5); from fedad.deployment.node_socket import process_age_s as a; print(a())"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert 0.5 <= float(out.stdout) < 5.0
