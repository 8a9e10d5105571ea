"""Fig. 7's measured points: the Flower deployment back-end (a real SuperLink and real SuperNodes over
gRPC) inside network namespaces whose links are rate-limited with tc (``fedad.deployment.netlab``).

For each app mode (``long-lived``: a resident fedad worker per SuperNode behind a thin relaying
ClientApp; ``subprocess``: Flower's per-message ClientApp process does the whole job) and each compressor
(dense, GCM) the deployment runs a few rounds of AMCNN-LSTM on power demand: once on unshaped links, then
at every configured uplink rate (downlink = ``downlink_factor`` × uplink). Per run: the median seconds
per round (rounds after the first, which carries the initial weights), the bytes each link carried (tc
counters), the payload bytes fedad counted, and the round split into its timed parts (:func:`split`).

Two link models predict the shaped rounds, and REPORT.md gives measured ÷ modelled for both:

* *naive* — the simulation's model: the unshaped round plus payload bytes over the rate;
* *calibrated* — the same with the bytes actually on the wire per round (gRPC, protobuf, HTTP/2, TCP/IP
  framing and base64 of the broadcast in the job spec), measured on the unshaped run only, so that the
  shaped runs test it.

Needs root for namespaces; without it this prints "skipped: needs root for network namespaces" and exits 0.

    python -m reproduce.comm_measured            # or: make fig7-measured
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fedad.deployment.flower_modes import MODES, TASK_POLL_S
from fedad.deployment.netlab import LinkShape, NetLab, available
from fedad.results import RESULTS_DIR, atomic_write_json, environment_info
from fedad.results.comm import is_control, row_mode

EXPERIMENT = "comm_measured"


def split(round_split: list[dict], records: list[dict]) -> dict:
    """Medians over the rounds after the first of where a round's seconds went (the slowest node each round).

    ``app_start_s``: Flower's ClientApp process from its creation to fedad's handler (interpreter, Flower,
    pulling the message and, in subprocess mode, importing torch and fedad); ``job_other_s``: building the
    worker and loading/saving its state; ``compute_s``: local gradient steps; ``encode_s``: Algorithm 1
    (clip, accumulate, select, encode); ``relay_s``: the rest of the app's life (relaying to the resident
    worker, packing the reply); ``flower_s``: the round minus the slowest app's life: Flower's delivery, its
    polling (SuperNode, SuperExec, reply) and the transfer; ``aggregate_s``: the aggregator's decode and
    average, after the round's replies arrived.
    """
    steady = round_split[1:] or round_split
    def med(values):
        return statistics.median(values) if values else None

    parts: dict[str, list[float]] = {k: [] for k in ("round_s", "app_start_s", "job_other_s", "compute_s",
                                                       "encode_s", "relay_s", "flower_s")}
    for r in steady:
        if not r.get("app_s"):
            continue
        slowest = max(range(len(r["app_s"])), key=lambda i: r["app_s"][i])
        app, start, job = r["app_s"][slowest], r["app_start_s"][slowest], r["job_s"][slowest]
        compute, encode = r["compute_s"][slowest], r["encode_s"][slowest]
        parts["round_s"].append(r["round_s"])
        parts["app_start_s"].append(start)
        parts["job_other_s"].append(job - compute)
        parts["compute_s"].append(compute - encode)
        parts["encode_s"].append(encode)
        parts["relay_s"].append(app - start - job)
        parts["flower_s"].append(r["round_s"] - app)
    out = {k: med(v) for k, v in parts.items()}
    out["aggregate_s"] = med([r["aggregate_s"] for r in (records[1:] or records)])
    return out


def clientapp_import_s(repeats: int = 5) -> float:
    """Median seconds to start Python and import ``flwr-clientapp``'s module, alone on the machine: the
    least Flower's one-process-per-message costs a round before any of fedad runs."""
    import subprocess

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import flwr.supernode.cli.flwr_clientapp"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(lab: NetLab, rate: float | None, compressor: str, mode: str, args,
            node_poll_s: float | None = None) -> dict:
    """One deployment in app ``mode`` on the lab's links at ``rate`` Mbit/s up (None: unshaped);
    ``node_poll_s``: the SuperNode polling control (:mod:`fedad.deployment.supernode_poll`)."""
    from fedad.deployment.flower_deploy import run_deployment

    down = None if rate is None else rate * args.downlink_factor
    lab.shape(LinkShape(rate), LinkShape(down))
    before = lab.sent_bytes()
    out = run_deployment(args.workers, args.rounds, 100.0 if compressor == "none" else args.rho, args.train_samples,
                         timeout_s=args.timeout, workdir=Path(tempfile.mkdtemp(prefix="fedad-measured-")), lab=lab,
                         task="power_demand", extra_config={"compressor": compressor, "lr": 0.1, "batch-size": 16},
                         mode=mode, task_poll_s=args.task_poll, node_poll_s=node_poll_s)
    after = lab.sent_bytes()
    wire = {k: after[k] - before[k] for k in after}
    rounds = out["records"]
    steady = out["round_seconds"][1:] or out["round_seconds"]
    payload_up = [max(r["bytes_up"]) for r in rounds[1:] or rounds]
    payload_down = [r["bytes_down"] for r in rounds]
    n = args.workers
    return {
        "mode": mode, "node_poll_s": node_poll_s, "rate_mbit": rate, "downlink_mbit": down, "compressor": compressor, "workers": n,
        "rounds": args.rounds, "split": split(out.get("round_split", []), rounds),
        "round_seconds": out["round_seconds"], "median_round_s": statistics.median(steady),
        "payload_up_per_round": statistics.mean(payload_up),
        "payload_down_per_round": statistics.mean(payload_down),
        "wire_up_per_round": max(wire[f"up{k}"] for k in range(n)) / args.rounds,
        "wire_down_per_round": max(wire[f"down{k}"] for k in range(n)) / args.rounds,
        "deployment_wall_s": out["deployment_wall_s"],
    }


def print_row(row: dict) -> None:
    sp, rate = row["split"], row["rate_mbit"]
    control = f" (SuperNode waits ≤ {row['node_poll_s']:g} s)" if row.get("node_poll_s") else ""
    print(f"{row['mode']:10s} {row['compressor']:5s} {'unshaped' if rate is None else f'{rate:g} Mbit/s':>12s}"
          f"{control}: {row['median_round_s']:.2f} s/round (app start {sp['app_start_s']:.2f}, compute "
          f"{sp['compute_s']:.3f}, encode {sp['encode_s']:.4f}, Flower delivery and polling {sp['flower_s']:.2f}), "
          f"wire up {row['wire_up_per_round']:.0f} B/round", flush=True)


def model(base_s: float, up_bytes: float, down_bytes: float, rate: float, downlink_factor: float) -> float:
    """Seconds per round: the unshaped round plus the bytes over each shaped link."""
    return base_s + 8 * up_bytes / (rate * 1e6) + 8 * down_bytes / (rate * downlink_factor * 1e6)


def compare(rows: list[dict], downlink_factor: float) -> list[dict]:
    """Add the naive and calibrated predictions (and measured ÷ modelled) to every shaped run."""
    base = {(row_mode(r), r["compressor"]): r for r in rows if r["rate_mbit"] is None and not is_control(r)}
    for r in rows:
        if r["rate_mbit"] is None or is_control(r):
            continue
        b = base[(row_mode(r), r["compressor"])]
        naive = model(b["median_round_s"], r["payload_up_per_round"], r["payload_down_per_round"], r["rate_mbit"],
                      downlink_factor)
        # calibrated: the unshaped run's wire bytes per round (steady state: initial weights excluded)
        up_factor = b["wire_up_per_round"] / max(b["payload_up_per_round"], 1.0)
        down_factor = b["wire_down_per_round"] / max(b["payload_down_per_round"], 1.0)
        calibrated = model(b["median_round_s"], r["payload_up_per_round"] * up_factor,
                           r["payload_down_per_round"] * down_factor, r["rate_mbit"], downlink_factor)
        r.update(naive_s=naive, calibrated_s=calibrated, measured_over_naive=r["median_round_s"] / naive,
                 measured_over_calibrated=r["median_round_s"] / calibrated, wire_up_factor=up_factor,
                 wire_down_factor=down_factor,
                 link_measured_s=r["median_round_s"] - b["median_round_s"],
                 link_calibrated_s=calibrated - b["median_round_s"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[1.0, 10.0, 100.0],
                        help="uplink rates in Mbit/s (default: 1 10 100)")
    parser.add_argument("--downlink-factor", type=float, default=10.0,
                        help="downlink rate = this × the uplink rate (default: 10, as the link model)")
    parser.add_argument("--workers", type=int, default=3, help="SuperNodes, each in its own namespace (default 3)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per deployment (default 4; the first, "
                        "which carries the initial weights, is left out of the median)")
    parser.add_argument("--rho", type=float, default=0.3, help="GCM's ρ in percent (default 0.3)")
    parser.add_argument("--train-samples", type=int, default=960,
                        help="power-demand windows shared by the nodes (default 960)")
    parser.add_argument("--compressors", nargs="+", default=["none", "topk"], choices=["none", "topk"],
                        help="dense and/or GCM (default both)")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES,
                        help="app modes to measure, each on the same links and rounds (default: both)")
    parser.add_argument("--task-poll", type=float, default=TASK_POLL_S,
                        help=f"seconds between a node's asks for a new task (flower-superexec; default {TASK_POLL_S})")
    parser.add_argument("--node-poll-control", type=float, default=0.1,
                        help="also run the long-lived mode unshaped with the SuperNode's hard-coded 3 s / 0.5 s "
                             "waits capped at this many seconds, to measure that polling (default 0.1; 0: skip)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a deployment is given up")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="results folder (default: results/)")
    args = parser.parse_args(argv)
    if any(r <= 0 for r in args.rates) or args.downlink_factor <= 0:
        parser.error("rates and the downlink factor must be positive")
    ok, why = available()
    if not ok:
        print(f"skipped: {why}")
        return 0
    start = time.perf_counter()
    floor = clientapp_import_s()
    print(f"flwr-clientapp start and import alone: {floor:.2f} s (median of 5)", flush=True)
    rows = []
    with NetLab(args.workers) as lab:
        for mode in args.modes:
            for compressor in args.compressors:
                for rate in [None, *args.rates]:
                    row = measure(lab, rate, compressor, mode, args)
                    rows.append(row)
                    print_row(row)
        if args.node_poll_control > 0 and "long-lived" in args.modes:
            for compressor in args.compressors:
                rows.append(measure(lab, None, compressor, "long-lived", args, node_poll_s=args.node_poll_control))
                print_row(rows[-1])
    rows = compare(rows, args.downlink_factor)
    out = args.results / EXPERIMENT / "measured.json"
    atomic_write_json(out, {"rows": rows, "clientapp_import_s": floor, "settings": {k: v for k, v in vars(args).items() if k != "results"},
                            "tc": "tbf per link (rate, burst 10 ms, 64 MiB queue), no added delay",
                            "environment": environment_info(), "wall_time_s": time.perf_counter() - start})
    for r in rows:
        if r["rate_mbit"] is not None:
            print(f"{row_mode(r):10s} {r['compressor']:5s} {r['rate_mbit']:g} Mbit/s: measured {r['median_round_s']:.2f} s, naive "
                  f"{r['naive_s']:.2f} s (×{r['measured_over_naive']:.2f}), calibrated {r['calibrated_s']:.2f} s "
                  f"(×{r['measured_over_calibrated']:.2f})")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
