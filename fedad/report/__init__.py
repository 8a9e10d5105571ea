"""REPORT.md: the writer (:mod:`.writer`), one module per part of the paper it checks, and the verdict
rules (:mod:`.verdicts`). It reads the result tables of :mod:`fedad.results`, never a figure."""
