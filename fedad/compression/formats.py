"""The value formats a compressed message can carry, stated once: the codec stores them, a
:class:`~fedad.compression.base.Compressed` message checks its format against them, compressors name them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValueFormat:
    """How a value format is stored: its header code, bytes per value, the stored dtype, and whether an fp32
    scale follows the header."""

    code: int
    width: int
    dtype: str
    scaled: bool


VALUE_FORMATS = {"fp32": ValueFormat(0, 4, "<f4", False), "fp16": ValueFormat(1, 2, "<f2", True),
                 "q8": ValueFormat(2, 1, "i1", True)}
Q8_LEVELS = 127  # the int8 levels of q8 (QSGD's s): a value is sign · scale · level / Q8_LEVELS
