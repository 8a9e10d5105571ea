"""Gradient compression after GRACE's three contracts: compressors (which entries, which format),
memories (error feedback: residual accumulation, momentum correction) and the codec (bytes)."""

from collections.abc import Callable, Sequence

from fedad.compression.base import Compressed, Compressor, NoCompression
from fedad.compression.clipping import clip_rows
from fedad.compression.memory import Memory, MomentumCorrection, NoMemory, ResidualMemory
from fedad.compression.qsgd import QSGD
from fedad.compression.randomk import RandomK
from fedad.compression.topk import TopK

# The one list of compressors and memories: name -> how it is built. FederatedConfig, the experiment schema
# and the error messages below all read their names from here.
COMPRESSORS: dict[str, Callable[[float, str, Sequence[int], int], Compressor]] = {
    "none": lambda rho, value_format, seeds, warmup_steps: NoCompression(),
    "topk": lambda rho, value_format, seeds, warmup_steps: TopK(rho, value_format, warmup_steps),
    "randomk": lambda rho, value_format, seeds, warmup_steps: RandomK(rho, seeds, value_format),
    "qsgd": lambda rho, value_format, seeds, warmup_steps: QSGD(seeds),
}
SPARSIFIERS = ("topk", "randomk")  # compressors that keep ρ % of the entries: at ρ = 100 % they send everything
MEMORIES: dict[str, Callable[[float, bool], Memory]] = {
    "none": lambda momentum, factor_masking: NoMemory(),
    "residual": lambda momentum, factor_masking: ResidualMemory(),
    "momentum": MomentumCorrection,
}


def sends_dense(name: str, rho: float) -> bool:
    """Whether compressor ``name`` at ρ = ``rho`` % sends every entry as fp32 (no compression: the
    "without GCM" runs)."""
    return name == "none" or (name in SPARSIFIERS and rho >= 100)


def build_compressor(name: str, rho: float = 100.0, value_format: str = "fp16", seeds: Sequence[int] = (0,),
                     warmup_steps: int = 0) -> Compressor:
    """A compressor by name for workers whose random streams start from ``seeds``; top-k / random-k at
    ρ = 100 % are no compression (dense fp32)."""
    if name not in COMPRESSORS:
        raise KeyError(f"unknown compressor {name!r}; known: {', '.join(COMPRESSORS)}")
    return COMPRESSORS["none" if sends_dense(name, rho) else name](rho, value_format, seeds, warmup_steps)


def build_memory(name: str, momentum: float = 0.9, factor_masking: bool = False) -> Memory:
    """A memory by name: ``none``, ``residual`` or ``momentum`` (momentum correction)."""
    if name not in MEMORIES:
        raise KeyError(f"unknown memory {name!r}; known: {', '.join(MEMORIES)}")
    return MEMORIES[name](momentum, factor_masking)


__all__ = [
    "COMPRESSORS",
    "MEMORIES",
    "QSGD",
    "SPARSIFIERS",
    "Compressed",
    "Compressor",
    "Memory",
    "MomentumCorrection",
    "NoCompression",
    "NoMemory",
    "RandomK",
    "ResidualMemory",
    "TopK",
    "build_compressor",
    "build_memory",
    "clip_rows",
    "sends_dense",
]
