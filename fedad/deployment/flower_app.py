"""The Flower ``ClientApp`` that does the work itself: a SuperNode running fedad's VirtualWorker local work
in the app process (simulation, and a deployment's ``subprocess`` mode, where every message pays for
importing torch and fedad; the long-lived mode's app is :mod:`flower_relay`).

Loaded by reference (``fedad.deployment.flower_app:client_app``) in simulation and by
``flower-supernode`` in a deployment. The node's partition is ``<partition_dir>/<partition-id>.pt``
(or ``data-path`` in the node config). The worker's state (replica, residual, momentum, sampler) lives on disk, one file per finished round,
where the node config's ``state-dir`` says (a deployment: a run resumed from the ServerApp's checkpoint
of round r finds the state each worker had after round r) or the job spec's ``state_dir`` (simulation:
two Ray workers may hold the same node's ``Context`` at once, and the one that finishes last writes back
a stale ``context.state``). Without either it lives in ``context.state``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from flwr.app import ConfigRecord, Context, Message, RecordDict
from flwr.clientapp import ClientApp

from fedad.deployment.flower_relay import partition_id, partition_query
from fedad.deployment.node_socket import process_age_s
from fedad.deployment.remote_worker import run_job
from fedad.deployment.worker_state import WorkerStateStore
from fedad.results import atomic_write_bytes

client_app = ClientApp()


client_app.query()(partition_query)


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    app_start_s = process_age_s()
    started = time.perf_counter() - app_start_s  # interpreter, Flower, torch and fedad imports, pulling the message
    torch.set_num_threads(1)
    spec = json.loads(msg.content["fedad"]["spec"])
    path = context.node_config.get("data-path") or Path(spec["partition_dir"]) / f"{partition_id(context)}.pt"
    data = torch.load(path, weights_only=True)
    state_dir = context.node_config.get("state-dir") or spec.get("state_dir")
    store = WorkerStateStore(state_dir, in_memory=False)
    if store.on_disk() and spec.get("run_name"):
        outputs, new_state = run_job(spec, data, store.load(spec, spec["round"] - 1))
        store.save(spec, spec["round"], new_state)
    else:
        outputs, new_state = run_job(spec, data, context.state["fedad"]["state"] if "fedad" in context.state else None)
        context.state["fedad"] = ConfigRecord({"state": new_state})
    outputs.update(app_start_s=app_start_s, app_s=time.perf_counter() - started)
    return Message(RecordDict({"fedad": ConfigRecord(outputs)}), reply_to=msg)


# -- deployment: a ServerApp that builds fedad's trainer from the run config ----------------------------
def _trainer_from_run_config(run_config: dict):
    """The trainer a deployed ServerApp runs: the task, model and settings of the run config.

    ``task="mnist"``: the simple CNN on a slice of MNIST; ``task="power_demand"``: AMCNN-LSTM on power
    demand's fitting windows (the detection protocol's window), evaluated by validation loss.
    """
    from fedad.deployment.flower_backend import FlowerBackend
    from fedad.deployment.remote_worker import build_model_from_spec
    from fedad.federated.config import FederatedConfig
    from fedad.federated.loop import FederatedTrainer

    n_train = int(run_config["train-samples"])
    if str(run_config.get("task", "mnist")) == "power_demand":
        from fedad.data.protocol import protocol_for
        from fedad.detection.pipeline import prepare_series

        prep = prepare_series(protocol_for("power_demand"), 4)
        task = prep.task()
        task.x_train, task.y_train = task.x_train[:n_train], task.y_train[:n_train]
        spec = {"name": "amcnn_lstm", "kwargs": {"dims": 1, "horizon": 4, "window": prep.window}}
        kind = "forecast"
    else:
        from fedad.data import load_images
        from fedad.training.tasks import ClassificationTask

        data = load_images(str(run_config["dataset"]))
        n_test = int(run_config["test-samples"])
        task = ClassificationTask(data.x_train[:n_train], data.y_train[:n_train], data.x_test[:n_test],
                                  data.y_test[:n_test], name=str(run_config["dataset"]))
        spec, kind = {"name": "simple_cnn", "kwargs": {}}, "classification"
    config = FederatedConfig(n_workers=int(run_config["num-workers"]), rounds=int(run_config["rounds"]),
                             batch_size=int(run_config["batch-size"]), lr=float(run_config["lr"]),
                             rho=float(run_config["rho"]), compressor=str(run_config.get("compressor", "topk")),
                             engine="serial")
    backend = FlowerBackend(spec, kind, Path(str(run_config["workdir"])),
                            timeout_s=float(run_config.get("round-timeout", 600.0)))
    backend.run_name = str(run_config.get("run-name", "")) or None
    return FederatedTrainer(task, lambda: build_model_from_spec(spec), config, seed=int(run_config["seed"]),
                            backend=backend)


def _server_main(grid, context: Context) -> None:
    """Run fedad's loop over the grid; checkpoint after every round and resume from the checkpoint when
    one exists (``checkpoint-path``); write the result, with the nodes that dropped, to ``result-path``."""
    import io

    from fedad.results import atomic_write_json

    run_config = dict(context.run_config)
    trainer = _trainer_from_run_config(run_config)
    backend = trainer.backend
    checkpoint_path = Path(str(run_config.get("checkpoint-path", ""))) if run_config.get("checkpoint-path") else None
    progress_path = Path(str(run_config.get("progress-path", ""))) if run_config.get("progress-path") else None
    resumed_from = None
    if checkpoint_path is not None and checkpoint_path.is_file():
        state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
        trainer.load_state_dict(state["trainer"])
        backend.pending, backend.drop_log = state["pending"], state["drop_log"]
        resumed_from = trainer.start_round

    def checkpoint(state: dict) -> None:
        buf = io.BytesIO()
        torch.save({"trainer": state, "pending": backend.pending, "drop_log": backend.drop_log}, buf)
        atomic_write_bytes(checkpoint_path, buf.getvalue())
        if progress_path is not None:
            atomic_write_json(progress_path, {"round": state["round"]})

    start = time.perf_counter()
    backend.bind(grid)
    # a checkpoint after every round: a restarted SuperLink loses at most the round in flight
    result = trainer.run(progress=False, checkpoint=checkpoint if checkpoint_path is not None else None,
                         checkpoint_every=1 / trainer.rounds_per_epoch)
    atomic_write_json(Path(str(run_config["result-path"])), {
        "final": result.final, "totals": result.totals(trainer.n_params), "records": result.records,
        "round_seconds": backend.round_seconds, "round_split": backend.round_split, "dropped_nodes": backend.drop_log, "resumed_from_round": resumed_from,
        "final_weights_sha256": _weights_digest(trainer.aggregator.model), "wall_s": time.perf_counter() - start})


def _weights_digest(model: torch.nn.Module) -> str:
    """sha256 of the global model's flat fp32 weights: equal digests, bit-identical weights."""
    import hashlib

    from fedad.federated.flat import flat_params

    return hashlib.sha256(flat_params(model).numpy().tobytes()).hexdigest()


def _make_server_app():
    from flwr.serverapp import ServerApp

    app = ServerApp()
    app.main()(_server_main)
    return app


server_app = _make_server_app()
