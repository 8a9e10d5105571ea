"""Figures of the paper redrawn from saved results only (never training). ``python -m figures fig4``."""
