"""The Flower ``ClientApp`` that does the work itself: a SuperNode running fedad's VirtualWorker local work
in the app process (simulation, and a deployment's ``subprocess`` mode, where every message pays for
importing torch and fedad; the long-lived mode's app is :mod:`flower_relay`).

Loaded by reference (``fedad.deployment.flower_app:client_app``) in simulation and by
``flower-supernode`` in a deployment. The node's partition is ``<partition_dir>/<partition-id>.pt``
(or ``data-path`` in the node config). The worker's state (replica, residual, momentum, sampler) lives on
disk, one file per finished round, where the node config's ``state-dir`` says (a deployment: a run resumed from the ServerApp's checkpoint
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
    if store.on_disk(spec):
        outputs, new_state = run_job(spec, data, store.load(spec, spec["round"] - 1))
        store.save(spec, spec["round"], new_state)
    else:
        outputs, new_state = run_job(spec, data, context.state["fedad"]["state"] if "fedad" in context.state else None)
        context.state["fedad"] = ConfigRecord({"state": new_state})
    outputs.update(app_start_s=app_start_s, app_s=time.perf_counter() - started)
    return Message(RecordDict({"fedad": ConfigRecord(outputs)}), reply_to=msg)
