"""Install fedad's requirements into the running virtual environment, with uv when it can be had, else pip.

    python requirements/install.py -c requirements/constraints.txt -e ".[dev]"

uv installs the same pinned requirements several times faster than pip (it resolves and unpacks in
parallel and links from its cache). It does not read pip's configuration, so the local wheel folders,
extra indexes and constraint files that pip is configured with (``pip config list``: where a machine keeps
torch on its own disk) are handed to it as options; without them uv would download a multi-GB torch build.
When uv cannot be installed or its install fails, pip runs the same command: the requirements and
``requirements/constraints.txt`` stay the one source of pins either way.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

# pip's option name → uv's, for the options that decide where packages come from
_SOURCES = {"find-links": "--find-links", "index-url": "--index-url", "extra-index-url": "--extra-index-url",
            "constraint": "--constraint"}


def pip_sources() -> list[str]:
    """uv options equivalent to the package sources and constraints in pip's configuration."""
    out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                         check=False).stdout
    args: list[str] = []
    for line in out.splitlines():
        key, _, raw = line.partition("=")
        option = _SOURCES.get(key.rsplit(".", 1)[-1])
        if option is None:
            continue
        for value in shlex.split(raw.strip().strip("'\"")):
            if option in ("--find-links", "--constraint") and "://" not in value and not Path(value).exists():
                continue  # a folder or file configured for another machine
            pair = [option, value]
            if pair not in [args[i:i + 2] for i in range(0, len(args), 2)]:
                args += pair
    return args


def uv_binary() -> str | None:
    """This environment's uv, installing it with pip first; None when it cannot be had."""
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "uv"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(uv) if uv.exists() else None


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    uv = None if os.environ.get("FEDAD_INSTALLER") == "pip" else uv_binary()
    if uv is not None:
        # pip tries every index for the best version; uv's default stops at the first index that has a package.
        # pip also compiles every installed module to bytecode, uv only when asked: without it, where
        # PYTHONDONTWRITEBYTECODE is set (as on the reference machine), every new process (a test worker, a
        # Flower node, a notebook kernel) compiles torch, flwr and syft from source again
        cmd = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", sys.executable,
               "--index-strategy", "unsafe-best-match", *pip_sources(), *argv]
        if subprocess.run(cmd, check=False).returncode == 0:
            return 0
        print("uv could not install the requirements; installing them with pip", file=sys.stderr)
    return subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *argv], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
