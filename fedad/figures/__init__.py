"""Figures of the paper (and Fig. 8) redrawn from saved results only, never training:
``fedad figures fig4`` writes ``figures/out/fig4.{png,pdf}``."""
