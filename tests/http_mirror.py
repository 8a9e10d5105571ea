"""A loopback HTTP server over a folder, for the fetch tests: range requests, a request log, and
responses cut short on demand. It binds 127.0.0.1 on a free port and reaches nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


class Mirror:
    """What the server serves and what it saw: ``requests`` holds (path, Range header or None)."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[tuple[str, str | None]] = []
        self.cut: dict[str, tuple[int, int]] = {}  # path -> (responses still to cut, bytes sent in each)
        self.url = ""

    def cut_responses(self, relpath: str, times: int, after: int) -> None:
        """The next ``times`` responses for ``relpath`` stop after ``after`` bytes of the body."""
        self.cut[relpath] = (times, after)


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            relpath = unquote(self.path.lstrip("/"))
            mirror.requests.append((relpath, self.headers.get("Range")))
            path = mirror.root / relpath
            if not path.is_file():
                self.send_error(404)
                return
            data = path.read_bytes()
            start = 0
            if (rng := self.headers.get("Range")) and rng.startswith("bytes="):
                start = int(rng.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            times, after = mirror.cut.get(relpath, (0, 0))
            if times > 0:
                mirror.cut[relpath] = (times - 1, after)
                self.wfile.write(body[:after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


@contextmanager
def serve(root: Path) -> Iterator[Mirror]:
    """Serve ``root`` on 127.0.0.1 (a free port) for the ``with`` block; ``Mirror.url`` is its base URL."""
    mirror = Mirror(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()
