"""fedad's one Flower ``ServerApp`` and the simulation that runs it (extra ``[flower]``).

The ServerApp runs fedad's own loop with :class:`~fedad.deployment.flower_backend.FlowerBackend` as its
back-end: in Flower's simulation engine on a trainer the caller built (:func:`run_simulation`), or in a
deployment, loaded by reference (``fedad.deployment.flower_server:server_app``), on the trainer its run
config describes, checkpointed after every round so that a restarted SuperLink resumes.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from flwr.app import Context
from flwr.serverapp import ServerApp

from fedad.deployment.flower_backend import FlowerBackend
from fedad.results import atomic_write_bytes


def trainer_from_run_config(run_config: dict):
    """The trainer a deployed ServerApp runs: the task, model and settings of the run config.

    ``task="mnist"``: the simple CNN on a slice of MNIST; ``task="power_demand"``: AMCNN-LSTM on power
    demand's fitting windows (the detection protocol's window), evaluated by validation loss.
    """
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
    trainer = trainer_from_run_config(run_config)
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


def server_app_for(trainer=None, progress: bool = False) -> ServerApp:
    """fedad's one ``ServerApp``: its main runs a trainer's loop over the Grid it is given. With
    ``trainer`` (simulation) it runs that one; without (a deployment, loaded by reference) it builds the
    trainer from the run config, checkpoints every round, resumes and writes the result
    (:func:`_server_main`)."""
    app = ServerApp()

    @app.main()
    def main(grid, context: Context) -> None:
        if trainer is None:
            _server_main(grid, context)
            return
        trainer.backend.bind(grid)
        trainer.run(progress=progress)

    return app


server_app = server_app_for()


def run_simulation(trainer, progress: bool = False, num_cpus_per_client: float = 1.0) -> None:
    """Run ``trainer`` (built with a :class:`FlowerBackend`) in Flower's simulation engine (Ray).

    The workers' state goes to ``<workdir>/node_state``: a late duplicate of the partition query (the
    backend asks again a node that has not answered in time) would otherwise write back an old
    ``context.state`` over a round's state in Flower's engine.
    """
    from flwr.simulation import run_simulation as flower_run

    from fedad.deployment.flower_app import client_app  # the simulation's nodes: the subprocess ClientApp

    backend = trainer.backend
    backend.state_dir = backend.workdir / "node_state"
    backend.run_name = backend.run_name or "simulation"

    flower_run(server_app=server_app_for(trainer, progress), client_app=client_app,
               num_supernodes=len(trainer.workers),
               backend_config={"client_resources": {"num_cpus": num_cpus_per_client, "num_gpus": 0.0}})
