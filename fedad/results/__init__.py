"""Everything about saved results: the store that writes them (:mod:`.store`) and the tables that the
figures and REPORT.md both read from them (:mod:`.tables`, :mod:`.comm`, :mod:`.ucr`)."""

from fedad.results.store import (
    RESULTS_DIR,
    ResultStore,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    config_hash,
    environment_info,
    finite_or_none,
    git_commit,
)

__all__ = ["RESULTS_DIR", "ResultStore", "atomic_write_bytes", "atomic_write_json", "atomic_write_text",
           "config_hash", "environment_info", "finite_or_none", "git_commit"]
