"""Where a remote worker keeps its state (replica, residual, momentum, sampler) between rounds, for every
transport that keeps it on the worker's side (Flower's subprocess ClientApp, the long-lived node worker).

Per run and worker, the states after the last two rounds are kept: a run resumed from the aggregator's
checkpoint of round r asks for the state after round r, which may be one behind the newest. They live in
memory (a long-lived process) and, where a ``state_dir`` is given, on disk, one file per round, so that a
restarted process finds them.
"""

from __future__ import annotations

from pathlib import Path

KEEP_ROUNDS = 2  # the newest round and the one before it (an aggregator checkpoint may be one behind)


def state_file(state_dir: str | Path | None, spec: dict, round_idx: int) -> Path | None:
    """Where a worker's state after ``round_idx`` lies on disk (None: no state-dir or no run name)."""
    run_name = spec.get("run_name")
    if not state_dir or not run_name:
        return None
    return Path(str(state_dir)) / str(run_name) / f"{spec['worker_id']}.round{round_idx}.pt"


class WorkerStateStore:
    """The states of the workers a process serves, by (run, worker, round); ``in_memory`` keeps them in
    the process too (a long-lived node worker), ``state_dir`` on disk (None: not on disk)."""

    def __init__(self, state_dir: str | Path | None = None, in_memory: bool = True):
        self.state_dir = state_dir
        self.in_memory = in_memory
        self.states: dict[tuple[str, str, int], bytes] = {}

    @staticmethod
    def _key(spec: dict, round_idx: int) -> tuple[str, str, int]:
        return str(spec.get("run_name")), spec["worker_id"], round_idx

    def load(self, spec: dict, round_idx: int) -> bytes | None:
        """The state after ``round_idx`` of the spec's run and worker, or None when none was kept."""
        if self._key(spec, round_idx) in self.states:
            return self.states[self._key(spec, round_idx)]
        on_disk = state_file(self.state_dir, spec, round_idx)
        return on_disk.read_bytes() if on_disk is not None and on_disk.is_file() else None

    def save(self, spec: dict, round_idx: int, state: bytes) -> None:
        """Keep the state after ``round_idx`` and drop the one older than :data:`KEEP_ROUNDS` rounds."""
        from fedad.results import atomic_write_bytes

        if self.in_memory:
            self.states[self._key(spec, round_idx)] = state
            self.states.pop(self._key(spec, round_idx - KEEP_ROUNDS), None)
        target = state_file(self.state_dir, spec, round_idx)
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, state)
            state_file(self.state_dir, spec, round_idx - KEEP_ROUNDS).unlink(missing_ok=True)

    def on_disk(self, spec: dict) -> bool:
        """Whether the spec's states go to disk (a state-dir and a run name to file them under)."""
        return state_file(self.state_dir, spec, 0) is not None
