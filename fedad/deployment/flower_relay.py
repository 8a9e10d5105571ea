"""The thin Flower ``ClientApp`` of a deployment with long-lived workers: it imports no torch and no
fedad model code, and hands each ``train`` message to its SuperNode's resident fedad worker
(:mod:`node_worker`) over the Unix socket named by the node config's ``worker-socket``.

Flower starts one ``flwr-clientapp`` process per message; with this app that process only relays, so a
round pays Flower's start-up once per message and fedad's (torch, the model, the partition, the state)
once per run. The reply carries the timings the deployment reports per round: ``app_start_s`` (process
creation to this handler: interpreter, Flower, pulling the message, installing the app) and ``app_s``
(process creation to the reply).
"""

from __future__ import annotations

import time
from pathlib import Path

from flwr.app import ConfigRecord, Context, Message, RecordDict
from flwr.clientapp import ClientApp

from fedad.deployment.node_socket import call, process_age_s

client_app = ClientApp()
RELAY_TIMEOUT_S = 3600.0  # a round's own timeout is the ServerApp's; this only stops a dead socket hanging


def partition_id(context: Context) -> int:
    """The partition this SuperNode holds (its node config's ``partition-id``)."""
    return int(context.node_config.get("partition-id", 0))


def partition_query(msg: Message, context: Context) -> Message:
    """The answer to the ServerApp's ``query``: which partition this node holds."""
    return Message(RecordDict({"fedad": ConfigRecord({"partition-id": partition_id(context)})}), reply_to=msg)


client_app.query()(partition_query)


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    app_start_s = process_age_s()
    started = time.perf_counter() - app_start_s
    socket_path = context.node_config.get("worker-socket")
    if not socket_path:
        raise RuntimeError("the node config names no worker-socket: start the SuperNode with fedad's deployment "
                           "(long-lived mode) or use the per-message app fedad.deployment.flower_app")
    spec_json = str(msg.content["fedad"]["spec"])
    data_path = context.node_config.get("data-path")
    if not data_path:
        import json

        data_path = str(Path(json.loads(spec_json)["partition_dir"]) / f"{partition_id(context)}.pt")
    outputs = call(str(socket_path), {"kind": "train", "spec": spec_json, "data_path": str(data_path)},
                   RELAY_TIMEOUT_S)
    outputs.update(app_start_s=app_start_s, app_s=time.perf_counter() - started)
    return Message(RecordDict({"fedad": ConfigRecord(outputs)}), reply_to=msg)
