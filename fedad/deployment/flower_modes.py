"""The app modes of a Flower deployment (no Flower import: results and figures read these names too).

``long-lived``: one fedad worker process per SuperNode keeps torch, the partition and the worker's state
loaded across rounds and forks Flower's per-message ``flwr-clientapp`` warm; the ClientApp only relays
(:mod:`node_worker`, :mod:`flower_relay`). ``subprocess``: Flower's per-message ClientApp process imports
torch and fedad and does the whole job (:mod:`flower_app`).
"""

MODES = ("long-lived", "subprocess")
CLIENT_APPS = {"long-lived": "fedad.deployment.flower_relay:client_app",
               "subprocess": "fedad.deployment.flower_app:client_app"}
TASK_POLL_S = 0.1  # flower-superexec's wait between asks for a new task (flwr's default: 1 s)
