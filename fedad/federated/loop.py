"""The one federated training loop, used by every experiment and every back-end.

One round: each worker's local work (through the back-end) → the aggregator decodes, averages and
steps → the change is broadcast → a record is appended (measured compute seconds per worker and for
the aggregator, encoded bytes up and down, modelled link seconds, loss, dropped workers).
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from fedad import settings
from fedad.compression.codec import size_as
from fedad.data.partition import partition
from fedad.federated.aggregator import CloudAggregator
from fedad.federated.backends.backend import Backend
from fedad.federated.backends.inprocess import InProcessBackend
from fedad.federated.config import FederatedConfig
from fedad.federated.flat import flat_params
from fedad.federated.network import download_seconds, round_link_seconds
from fedad.federated.worker import VirtualWorker, worker_name
from fedad.seeding import seed_everything
from fedad.training.early_stopping import EarlyStopping

log = logging.getLogger(__name__)


def pick_device(requested: str = "auto") -> torch.device:
    """``auto``: ``$FEDAD_DEVICE`` when set, else the GPU when one is present, else the CPU."""
    if requested == "auto":
        requested = settings.device()
        if requested != "auto":
            try:
                return torch.device(requested)
            except RuntimeError:
                raise settings.invalid(settings.DEVICE, requested, "auto or a torch device (cpu, cuda…)") from None
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def rounds_per_epoch(n_samples: int, config: FederatedConfig) -> float:
    """Rounds in one epoch: one pass over the union of all partitions, ``n_workers · batch_size ·
    local_steps`` samples a round."""
    return n_samples / (config.n_workers * config.batch_size * config.local_steps)


def rounds_for(epochs: float, n_samples: int, config: FederatedConfig) -> int:
    """Whole rounds covering ``epochs`` epochs (at least one)."""
    return max(1, math.ceil(epochs * rounds_per_epoch(n_samples, config)))


@dataclass(frozen=True)
class EpochBudget:
    """How long a federated run trains, in epochs: at most ``max_epochs``, evaluated every ``eval_every``
    epochs, stopped early after ``patience`` evaluations without a better validation loss (None: never)
    but not before ``min_epochs``."""

    max_epochs: float
    eval_every: float = 1.0
    patience: int | None = None
    min_epochs: float = 0.0

    @classmethod
    def from_dict(cls, budget: dict) -> EpochBudget:
        """From an experiment config's ``budget`` block (``max_epochs``, ``patience``, optional
        ``eval_every`` and ``min_epochs``)."""
        return cls(budget["max_epochs"], budget.get("eval_every", 1.0), budget.get("patience"),
                   budget.get("min_epochs", 0.0))


def build_trainer(task, model_fn: Callable[[], torch.nn.Module], settings: dict, seed: int,
                  budget: EpochBudget | None = None, **trainer_kw) -> FederatedTrainer:
    """The federated trainer of an experiment: ``settings`` are :class:`FederatedConfig` fields; with a
    ``budget`` its rounds and evaluations are set from epochs over ``task.x_train`` (and early stopping
    from ``patience``), replacing any ``rounds`` and ``eval_every`` in ``settings``."""
    stopper = None
    if budget is not None:
        probe = FederatedConfig.from_dict({**settings, "rounds": 1})
        per_epoch = rounds_per_epoch(len(task.x_train), probe)
        settings = {**settings, "rounds": rounds_for(budget.max_epochs, len(task.x_train), probe),
                    "eval_every": max(1, round(per_epoch * budget.eval_every))}
        if budget.patience is not None:
            stopper = EarlyStopping(budget.patience, min_epochs=budget.min_epochs)
    return FederatedTrainer(task, model_fn, FederatedConfig.from_dict(settings), seed, stopper=stopper, **trainer_kw)


@dataclass
class FederatedResult:
    """Everything a run produced: per-round records, evaluations and totals."""

    records: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    setup_bytes_down: int = 0

    @property
    def final(self) -> dict:
        return self.evaluations[-1] if self.evaluations else {}

    def totals(self, n_params: int) -> dict:
        """Sums over the run: bytes, seconds and the compression ratio of the uploads."""
        up = sum(sum(r["bytes_up"]) for r in self.records)
        up_fp32 = sum(r.get("bytes_up_fp32", 0) for r in self.records)
        n_up = sum(len(r["bytes_up"]) for r in self.records)
        down = sum(r["bytes_down"] for r in self.records)
        compute = sum(max(r["compute_s"], default=0.0) + r["aggregate_s"] for r in self.records)
        link = sum(r["link_s"] for r in self.records)
        return {
            "rounds": len(self.records),
            "bytes_up": up,
            "bytes_down": down + self.setup_bytes_down,
            "bytes_buffers": sum(r.get("bytes_buffers", 0) for r in self.records),
            "mean_bytes_up_per_message": up / max(n_up, 1),
            "upload_compression_ratio": (4 * n_params * n_up) / up if up else None,
            "upload_compression_ratio_fp32": (4 * n_params * n_up) / up_fp32 if up_fp32 else None,
            "compute_s": compute,
            "link_s": link,
            "modelled_total_s": compute + link,
            "dropped": sum(len(r["dropped"]) for r in self.records),
        }


class FederatedTrainer:
    """Builds workers and aggregator for a task and runs the rounds.

    ``task`` supplies ``x_train``/``y_train`` (partitioned across workers), ``loss`` and ``evaluate``.
    ``model_fn()`` builds a fresh model; every worker's replica starts as a copy of the global one.
    """

    def __init__(self, task, model_fn: Callable[[], torch.nn.Module], config: FederatedConfig, seed: int,
                 device: str = "auto", backend: Backend | None = None, worker_factory=VirtualWorker, stopper=None):
        self.task, self.config, self.seed = task, config, seed
        self.device = pick_device(device)
        seed_everything(seed)
        self.model = model_fn().to(self.device)
        self.n_params = sum(p.numel() for p in self.model.parameters())
        labels = task.train_labels if config.partition == "dirichlet" else None
        parts = partition(config.partition, len(task.x_train), config.n_workers, seed, labels, config.dirichlet_alpha)
        self.partition_sizes = [len(p) for p in parts]
        x, y = task.x_train.to(self.device), task.y_train.to(self.device)
        self.workers = [
            worker_factory(worker_name(k), x[idx], y[idx], copy.deepcopy(self.model), task.loss, config,
                           seed * 1000 + k)
            for k, idx in enumerate(map(torch.as_tensor, parts))
        ]
        self.aggregator = CloudAggregator(self.model, config)
        self.backend = backend or InProcessBackend(config, self.device)
        self.workers = self.backend.attach(self.workers, self)
        self.result = FederatedResult(setup_bytes_down=len(self.aggregator.initial_state()) * config.n_workers)
        self.start_round = 0
        # early stopping on the aggregator's validation loss at each evaluation (None: run all rounds)
        self.stopper = stopper
        self.rounds_per_epoch = rounds_per_epoch(len(task.x_train), config)

    # -- checkpointing ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"round": self.start_round, "aggregator": self.aggregator.state_dict(),
                "workers": [w.state_dict() for w in self.workers], "backend": self.backend.state_dict(),
                "result": self.result,
                "torch_rng": torch.get_rng_state(), "numpy_rng": np.random.get_state(),
                "stopper": self.stopper.state_dict() if self.stopper is not None else None}

    def load_state_dict(self, state: dict) -> None:
        if "backend" not in state:  # before Algorithm 1's state moved from the workers to the back-end
            raise ValueError("a checkpoint written by an older fedad, whose workers held their compression memory; "
                             "delete the file to start the run again")
        self.start_round = state["round"]
        self.aggregator.load_state_dict(state["aggregator"])
        for w, s in zip(self.workers, state["workers"], strict=True):
            w.load_state_dict(s)
        self.backend.load_state_dict(state["backend"])
        self.result = state["result"]
        if self.stopper is not None and state.get("stopper") is not None:
            self.stopper.load_state_dict(state["stopper"])
        torch.set_rng_state(state["torch_rng"])
        np.random.set_state(state["numpy_rng"])

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate(self, round_idx: int) -> dict:
        payloads = self.backend.collect_buffers(self.workers) if self.config.buffer_sync == "eval" else []
        self.aggregator.sync_buffers(payloads)
        metrics = {"round": round_idx, **self.task.evaluate(self.aggregator.model)}
        metrics["bytes_buffers"] = sum(len(p) for p in payloads)
        self.result.evaluations.append(metrics)
        return metrics

    # -- the loop --------------------------------------------------------------------------------
    def run_round(self, r: int) -> dict:
        """One round (local work, aggregation, broadcast) and its record."""
        with self.backend.round_scope():
            return self._round(r)

    def _round(self, r: int) -> dict:
        messages, dropped = self.backend.collect(self.workers, r)
        broadcast, rejected = self.aggregator.aggregate(messages, r)
        dropped = dropped + rejected
        bytes_down = 0
        if broadcast is not None:
            self.backend.broadcast(self.workers, broadcast)
            bytes_down = broadcast.nbytes
        bytes_buffers = 0
        if self.config.buffer_sync == "round":
            payloads = self.backend.collect_buffers(self.workers)
            self.aggregator.sync_buffers(payloads)
            bytes_buffers = sum(len(p) for p in payloads)
        up = [m.nbytes for m in messages]
        rejected_ids = {wid for wid, _ in rejected}
        # a rejected upload's header cannot be trusted: it counts as the bytes that travelled
        up_fp32 = sum(m.nbytes if m.worker_id in rejected_ids else size_as(m.payload, "fp32") for m in messages)
        link_s = round_link_seconds(self.config.link, up, bytes_down)
        if bytes_buffers:
            link_s += download_seconds(self.config.link, bytes_buffers // max(len(self.workers), 1))
        losses = [m.loss for m in messages if m.worker_id not in rejected_ids]
        return {
            "round": r,
            "loss": float(np.mean(losses)) if losses else None,
            "compute_s": [m.compute_s for m in messages],
            "aggregate_s": self.aggregator.last_aggregate_s,
            "bytes_up": up,
            "bytes_up_fp32": up_fp32,
            "bytes_down": bytes_down,
            "bytes_buffers": bytes_buffers,
            "link_s": link_s,
            "dropped": [{"worker": wid, "reason": why} for wid, why in dropped],
        }

    def run(self, progress: bool = True, checkpoint: Callable[[dict], None] | None = None,
            checkpoint_every: float = 0, desc: str = "rounds") -> FederatedResult:
        """Run the remaining rounds; evaluate every ``config.eval_every`` rounds and at the end.

        With a ``stopper`` (:class:`fedad.training.early_stopping.EarlyStopping`) each evaluation feeds the
        aggregator model's validation loss to it; training stops after ``patience`` evaluations without
        improvement and the aggregator keeps the best weights. Epochs count passes over the union of
        all partitions (``rounds_per_epoch`` rounds each). ``checkpoint(state)`` receives everything needed
        to continue every ``checkpoint_every`` epochs (at least every round; 0: never).
        """
        cfg = self.config
        every = max(1, round(checkpoint_every * self.rounds_per_epoch)) if checkpoint_every else 0
        bar = tqdm(range(self.start_round, cfg.rounds), desc=desc, disable=not progress, leave=False)
        stopped = self.stopper is not None and self.stopper.stopped
        for r in bar:
            if stopped:
                break
            record = self.run_round(r)
            self.result.records.append(record)
            if record["loss"] is not None:
                bar.set_postfix(loss=f"{record['loss']:.4f}")
            if cfg.eval_every and (r + 1) % cfg.eval_every == 0 and r + 1 < cfg.rounds:
                stopped = self._evaluate_and_watch(r + 1)
            self.start_round = r + 1
            if checkpoint is not None and every and (r + 1) % every == 0 and r + 1 < cfg.rounds:
                checkpoint(self.state_dict())
        if not stopped and (not self.result.evaluations or self.result.evaluations[-1]["round"] != cfg.rounds):
            self._evaluate_and_watch(cfg.rounds)
        if self.stopper is not None:
            self.stopper.restore(self.aggregator.model)
        return self.result

    def _evaluate_and_watch(self, round_idx: int) -> bool:
        metrics = self.evaluate(round_idx)
        if self.stopper is None:
            return False
        return self.stopper.update(metrics["val_loss"], self.aggregator.model, round_idx / self.rounds_per_epoch)

    @property
    def epochs_run(self) -> float:
        """Passes over the union of the partitions so far."""
        return len(self.result.records) / self.rounds_per_epoch

    def replicas_in_sync(self, atol: float = 0.0) -> bool:
        """True when every worker's replica equals the global weights (they apply the same broadcasts)."""
        g = flat_params(self.aggregator.model)
        return all(torch.allclose(flat_params(w.model), g, atol=atol, rtol=0) for w in self.workers)
