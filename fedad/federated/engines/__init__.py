"""Round engines: where the in-process workers' updates are computed (one after another, in threads, in
child processes, or in one vmap pass). An engine only computes updates and applies broadcasts; what is
done with the updates (Algorithm 1, :mod:`fedad.federated.algorithm1`) is the same for every engine.

:func:`build_engine` makes one by name; :func:`resolve_engine` says which ``auto`` means here.
"""

from __future__ import annotations

import os

import torch

from fedad import settings
from fedad.federated.config import ENGINE_KINDS, FederatedConfig
from fedad.federated.engines.engine import Engine, LocalUpdates
from fedad.federated.engines.processes import ProcessesEngine
from fedad.federated.engines.serial import SerialEngine
from fedad.federated.engines.threads import ThreadsEngine
from fedad.federated.engines.vmap import VmapEngine

# The one list of engines: name -> class. FederatedConfig's ``engine`` and ``$FEDAD_ENGINE`` take these names or
# ``auto`` (see :func:`resolve_engine`).
KINDS: dict[str, type[Engine]] = {"serial": SerialEngine, "threads": ThreadsEngine, "processes": ProcessesEngine,
                                  "vmap": VmapEngine}
if tuple(KINDS) != ENGINE_KINDS:
    raise RuntimeError("fedad.federated.config.ENGINE_KINDS and the engines' registry name different engines")
ENGINES = ("auto", *KINDS)


def resolve_engine(config: FederatedConfig, device: torch.device) -> str:
    """``auto`` → ``$FEDAD_ENGINE`` when set; else vmap on a GPU; on a CPU with two or more cores,
    ``threads`` (workers' local work in parallel threads, one intra-op thread each: small per-worker batches
    use two cores better that way than one op at a time across both; ``make bench`` measures it), else
    ``serial``. ``processes`` is never chosen by itself: each trainer would start an interpreter per core,
    and ``fedad run --jobs`` already fills the cores. vmap computes gradients, so fedavg's local steps
    run serially instead."""
    engine = config.engine
    if engine == "auto":
        engine = settings.engine(ENGINES) or engine
    if engine != "auto":
        return engine if config.mode == "dsgd" or engine != "vmap" else "serial"
    if device.type == "cuda":
        return "vmap" if config.mode == "dsgd" else "serial"
    return "threads" if (os.cpu_count() or 1) >= 2 else "serial"


def resolve_compile(config: FederatedConfig, engine: str) -> bool:
    """Whether the workers' replicas are compiled: ``config.compile`` or ``$FEDAD_COMPILE=1``, on every
    engine but vmap (whose one functional pass over all replicas is not compiled)."""
    return (config.compile or settings.compile_replicas()) and engine != "vmap"


def build_engine(config: FederatedConfig, device: torch.device) -> Engine:
    """The engine ``config.engine`` asks for on ``device`` (see :func:`resolve_engine`)."""
    name = resolve_engine(config, device)
    return KINDS[name](device, resolve_compile(config, name))


__all__ = ["ENGINES", "KINDS", "Engine", "LocalUpdates", "build_engine", "resolve_compile", "resolve_engine"]
