"""Figures redrawn from saved results only, as a thin entry point over :mod:`fedad.figures`:
``python -m figures fig4`` is ``fedad figures fig4``; drawings go to ``figures/out/``."""
