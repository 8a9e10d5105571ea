"""A control run's SuperNode: Flower's own ``flower-supernode`` with its hard-coded waits shortened.

flwr 1.41's SuperNode sleeps 3 s between pulls from the SuperLink when it has no message, and 0.5 s
between looks for its ClientApp's reply (``flwr/supernode/start_client_internal.py``); neither is a
setting. This runs the same SuperNode with every such wait capped at ``--poll`` seconds, so that a
measurement can show how much of a deployment's round is that polling. It is a control, not a way to
deploy: it changes Flower's code path, and only the waits.

    python -m fedad.deployment.supernode_poll --poll 0.1 -- <flower-supernode arguments>
"""

from __future__ import annotations

import argparse
import sys
import time


class CappedSleep:
    """Stands in for the ``time`` module inside Flower's SuperNode loop: everything as ``time``, except
    that ``sleep`` waits at most ``cap`` seconds."""

    def __init__(self, cap: float):
        self.cap = cap

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self.cap))

    def __getattr__(self, name: str):
        return getattr(time, name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--poll", type=float, required=True, help="the longest wait of the SuperNode's loop (s)")
    parser.add_argument("supernode_args", nargs=argparse.REMAINDER, help="flower-supernode's own arguments")
    args = parser.parse_args(argv)
    if not args.poll > 0:
        parser.error(f"--poll must be positive, not {args.poll}")
    from flwr.supernode import start_client_internal
    from flwr.supernode.cli.flower_supernode import flower_supernode

    start_client_internal.time = CappedSleep(args.poll)
    rest = args.supernode_args[1:] if args.supernode_args[:1] == ["--"] else args.supernode_args
    sys.argv = ["flower-supernode", *rest]
    flower_supernode()


if __name__ == "__main__":
    main()
