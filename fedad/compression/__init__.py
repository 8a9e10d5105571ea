"""Gradient compression after GRACE's three contracts: compressors (which entries, which format),
memories (error feedback: residual accumulation, momentum correction) and the codec (bytes)."""

from collections.abc import Sequence

from fedad.compression.base import Compressed, Compressor, NoCompression
from fedad.compression.clipping import clip_rows
from fedad.compression.memory import Memory, MomentumCorrection, NoMemory, ResidualMemory
from fedad.compression.qsgd import QSGD
from fedad.compression.randomk import RandomK
from fedad.compression.topk import TopK


def build_compressor(name: str, rho: float = 100.0, value_format: str = "fp16", seeds: Sequence[int] = (0,),
                     warmup_steps: int = 0) -> Compressor:
    """A compressor by name for workers whose random streams start from ``seeds``; top-k / random-k at
    ρ = 100 % are no compression (dense fp32)."""
    if name == "none" or (name in ("topk", "randomk") and rho >= 100):
        return NoCompression()
    if name == "topk":
        return TopK(rho, value_format, warmup_steps)
    if name == "randomk":
        return RandomK(rho, seeds, value_format)
    if name == "qsgd":
        return QSGD(seeds)
    raise KeyError(f"unknown compressor {name!r}; known: none, topk, randomk, qsgd")


def build_memory(name: str, momentum: float = 0.9, factor_masking: bool = False) -> Memory:
    """A memory by name: ``none``, ``residual`` or ``momentum`` (momentum correction)."""
    if name == "none":
        return NoMemory()
    if name == "residual":
        return ResidualMemory()
    if name == "momentum":
        return MomentumCorrection(momentum, factor_masking)
    raise KeyError(f"unknown memory {name!r}; known: none, residual, momentum")


__all__ = [
    "QSGD",
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
]
