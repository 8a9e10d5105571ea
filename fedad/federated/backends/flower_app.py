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
