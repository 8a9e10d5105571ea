"""The wire between a SuperNode's thin Flower ClientApp and its long-lived fedad worker process: one
request and one reply per Unix-domain-socket connection, each a length-prefixed frame.

A frame is a JSON header followed by raw blobs: every ``bytes`` value of the record travels as a blob
(the upload is not base64-inflated) and the header says where it goes back. The values are those a
Flower ``ConfigRecord`` holds: str, int, float, bool, bytes and lists of them. Imports only the standard
library, so the ClientApp that uses it starts without torch.
"""

from __future__ import annotations

import json
import os
import socket
import struct

_LENGTH = struct.Struct("!Q")
MAX_FRAME = 1 << 31  # a larger announced length is a broken peer, not a model


def process_age_s() -> float:
    """Seconds since this process was created (forked), from the kernel's own clock since boot.

    Both numbers count from boot (``/proc/self/stat``'s start time, ``/proc/uptime``), so no wall-clock
    boot time enters: psutil's ``create_time`` adds one that ``/proc/stat`` rounds to whole seconds.
    NaN where there is no ``/proc`` (not Linux)."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat; 20 after pid and comm
        with open("/proc/uptime") as f:
            return float(f.read().split()[0]) - started
    except OSError:
        return float("nan")


def encode_frame(record: dict) -> bytes:
    """``record`` as one frame: 8-byte header length, the JSON header, then the blobs back to back."""
    header, blobs = {}, []
    for key, value in record.items():
        if isinstance(value, bytes | bytearray | memoryview):
            header[key] = {"blob": len(blobs), "size": len(value)}
            blobs.append(bytes(value))
        else:
            header[key] = {"value": value}
    head = json.dumps(header).encode()
    return _LENGTH.pack(len(head)) + head + b"".join(blobs)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError(f"the peer closed the socket with {left} of {n} bytes still to come")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket) -> dict:
    """The record of the next frame on ``sock`` (blocks until all of it has arrived)."""
    (size,) = _LENGTH.unpack(_read_exactly(sock, _LENGTH.size))
    if size > MAX_FRAME:
        raise ConnectionError(f"frame header announces {size} bytes: not a fedad node socket peer")
    header = json.loads(_read_exactly(sock, size))
    blobs = {spec["blob"]: spec["size"] for spec in header.values() if "blob" in spec}
    data = {i: _read_exactly(sock, blobs[i]) for i in sorted(blobs)}
    return {key: data[spec["blob"]] if "blob" in spec else spec["value"] for key, spec in header.items()}


def call(path: str, request: dict, timeout_s: float) -> dict:
    """Send ``request`` to the worker listening at ``path`` and return its reply.

    Raises ``RuntimeError`` with the worker's message when it answers with an ``error``, and
    ``ConnectionError`` when nothing listens there.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(path)
        except OSError as exc:
            raise ConnectionError(f"no fedad worker listens on {path}: {exc}") from exc
        sock.sendall(encode_frame(request))
        reply = read_frame(sock)
    if "error" in reply:
        raise RuntimeError(f"fedad worker at {path}: {reply['error']}")
    return reply
