"""REPORT.md's detection part (Figs. 5–6): claims with verdicts that respect the references, and the
tables behind them — protocol, results against the references, both threshold rules, the AMCNN-LSTM
controls with paired differences, and convergence."""

from __future__ import annotations

