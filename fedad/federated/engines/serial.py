"""The ``serial`` engine: the workers compute their updates one after another in this process."""

from __future__ import annotations

from fedad.federated.engines.engine import Engine, LocalUpdates, timed_update


class SerialEngine(Engine):
    name = "serial"

    def updates(self, round_idx: int) -> LocalUpdates:
        return LocalUpdates.gather([timed_update(w) for w in self.workers])
