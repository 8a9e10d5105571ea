"""The Flower ``ClientApp``: a SuperNode running fedad's VirtualWorker local work.

Loaded by reference (``fedad.federated.backends.flower_app:client_app``) in simulation and by
``flower-supernode`` in a deployment. The node's partition is ``<partition_dir>/<partition-id>.pt``
(or ``data-path`` in the node config); the worker's state lives in ``context.state``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from flwr.app import ConfigRecord, Context, Message, RecordDict
from flwr.clientapp import ClientApp

from fedad.federated.backends.remote_worker import run_round

client_app = ClientApp()


def _partition_id(context: Context) -> int:
    return int(context.node_config.get("partition-id", 0))


@client_app.query()
def query(msg: Message, context: Context) -> Message:
    return Message(RecordDict({"fedad": ConfigRecord({"partition-id": _partition_id(context)})}), reply_to=msg)


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    torch.set_num_threads(1)
    spec = json.loads(msg.content["fedad"]["spec"])
    path = context.node_config.get("data-path") or Path(spec["partition_dir"]) / f"{_partition_id(context)}.pt"
    data = torch.load(path, weights_only=True)
    state = context.state["fedad"]["state"] if "fedad" in context.state else None
    outputs, new_state = run_round(spec, data, state)
    context.state["fedad"] = ConfigRecord({"state": new_state})
    return Message(RecordDict({"fedad": ConfigRecord(outputs)}), reply_to=msg)


# -- deployment: a ServerApp that builds fedad's trainer from the run config ----------------------------
def _trainer_from_run_config(run_config: dict):
    """The trainer a deployed ServerApp runs: the task, model and settings of the run config.

    ``task="mnist"``: the simple CNN on a slice of MNIST; ``task="power_demand"``: AMCNN-LSTM on power
    demand's fitting windows (the detection protocol's window), evaluated by validation loss.
    """
    from fedad.federated.backends.flower_backend import FlowerBackend
    from fedad.federated.backends.remote_worker import build_model_from_spec
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
                             engine="loop")
    backend = FlowerBackend(spec, kind, Path(str(run_config["workdir"])))
    return FederatedTrainer(task, lambda: build_model_from_spec(spec), config, seed=int(run_config["seed"]),
                            backend=backend)


def _server_main(grid, context: Context) -> None:
    import time

    from fedad.results import atomic_write_json

    trainer = _trainer_from_run_config(dict(context.run_config))
    start = time.perf_counter()
    trainer.backend.bind(grid)
    result = trainer.run(progress=False)
    atomic_write_json(Path(str(context.run_config["result-path"])), {
        "final": result.final, "totals": result.totals(trainer.n_params), "records": result.records,
        "round_seconds": trainer.backend.round_seconds, "wall_s": time.perf_counter() - start})


def _make_server_app():
    from flwr.serverapp import ServerApp

    app = ServerApp()
    app.main()(_server_main)
    return app


server_app = _make_server_app()
