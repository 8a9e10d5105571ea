"""Processes that must not outlive the one that started them: an experiment's pool workers, a Flower
node's long-lived fedad worker. One watcher serves both."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one owned by another user counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch_parent(parent: int, interval: float = 2.0, exit_fn: Callable[[int], None] = os._exit,
                 code: int = 1) -> threading.Thread:
    """End this process (``exit_fn(code)``) once ``parent`` is gone: it is no longer this process's parent and
    no longer exists. A killed ``fedad run`` would otherwise leave its pool workers training on as orphans,
    and a killed deployment its node workers holding their sockets."""
    def watch() -> None:
        while os.getppid() == parent or alive(parent):
            time.sleep(interval)
        exit_fn(code)

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread
