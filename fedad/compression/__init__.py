"""Gradient compression after GRACE's three contracts: compressors (which entries, which format),
memories (error feedback: residual accumulation, momentum correction) and the codec (bytes)."""

from fedad.compression.base import Compressed, Compressor, NoCompression
from fedad.compression.clipping import clip_by_norm
from fedad.compression.memory import MomentumCorrection, NoMemory, ResidualMemory
from fedad.compression.qsgd import QSGD
from fedad.compression.randomk import RandomK
from fedad.compression.topk import TopK


def build_compressor(name: str, rho: float = 100.0, value_format: str = "fp16", seed: int = 0,
                     warmup_steps: int = 0) -> Compressor:
    """A compressor by name; top-k / random-k at ρ = 100 % are no compression (dense fp32)."""
    if name == "none" or (name in ("topk", "randomk") and rho >= 100):
        return NoCompression()
    if name == "topk":
        return TopK(rho, value_format, warmup_steps)
    if name == "randomk":
        return RandomK(rho, seed, value_format)
    if name == "qsgd":
        return QSGD(seed)
    raise KeyError(f"unknown compressor {name!r}; known: none, topk, randomk, qsgd")


def build_memory(name: str, momentum: float = 0.9, factor_masking: bool = False):
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
    "MomentumCorrection",
    "NoCompression",
    "NoMemory",
    "RandomK",
    "ResidualMemory",
    "TopK",
    "build_compressor",
    "build_memory",
    "clip_by_norm",
]
