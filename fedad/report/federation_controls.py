"""REPORT.md's Controls section: AMCNN-LSTM trained each way on the same seeds (centralised, federated
without compression, with GCM, without the residual, on data islands, each device alone), paired against the
paper's setting, and the sentence that attributes each gap."""

from __future__ import annotations

import pandas as pd

from fedad.report.frames import converged_text, datasets_of, markdown_table, seeds_of
from fedad.statistics import finite, mean_sd, paired_difference

CONTROLS = (  # (variant, letter, meaning) — AMCNN-LSTM trained each way on the same seeds
    ("centralised", "a", "centralised"),
    ("federated_dense", "b", "federated, ρ = 100 (no compression)"),
    ("federated_gcm", "c", "federated, ρ = 0.3 with GCM (the paper's setting)"),
    ("federated_no_memory", "d", "federated, ρ = 0.3, residual dropped (memory = none)"),
    ("federated_contiguous", "e", "federated, ρ = 0.3 with GCM, contiguous partitions (data islands)"),
)


def controls_section(frame: pd.DataFrame) -> list[str]:
    """AMCNN-LSTM controls (a)–(e), paired against (c), and the attribution of the gaps."""
    lines = ["## Controls: what each gap comes from (AMCNN-LSTM)", "",
             ("Each control changes one thing against the paper's setting (c), on the same seeds; differences "
              "are paired over seeds with a 95 % t-interval. Metrics: PR-AUC (%), accuracy (%), test RMSE, best "
              "validation loss. (f) is what a device gets without the federation: each of the N devices trains "
              "on its own partition alone (the partition (c) gives it, same seed; its own batch size; the same "
              "validation block for early stopping and μ, Σ, ς), shown as the mean over devices and the worst "
              "device per seed."), ""]
    metrics = (("threshold_free.pr_auc", "PR-AUC", 1), ("point.accuracy", "accuracy", 2), ("rmse", "RMSE", 4),
               ("best_val_loss", "val loss", 5))
    amc = frame[frame.model == "amcnn_lstm"] if "variant" in frame else frame.iloc[0:0]
    found = False
    for d in datasets_of(amc):
        rows = []
        ref = {k: seeds_of(frame, d, "amcnn_lstm", k, "federated_gcm") for k, _, _ in metrics}
        for variant, letter, meaning in CONTROLS:
            r = amc[(amc.dataset == d) & (amc.variant == variant)]
            if r.empty:
                continue
            row = {"control": f"({letter}) {meaning}", "seeds": len(r)}
            for key, name, digits in metrics:
                vals = seeds_of(frame, d, "amcnn_lstm", key, variant)
                row[name] = mean_sd(vals.values(), digits)
                if variant != "federated_gcm" and key in ("threshold_free.pr_auc", "rmse"):
                    row[f"{name} − (c)"] = paired_difference(vals, ref[key]).text(digits)
            row["converged"] = converged_text(r)
            rows.append(row)
        rows += _local_only_rows(amc[amc.dataset == d], ref, metrics)
        if len(rows) > 1:
            found = True
            lines += [f"### {d}", "", markdown_table(pd.DataFrame(rows)), "", attribution(frame, d), ""]
    if not found:
        lines += ["No control pair was run for this profile.", ""]
    return lines


LOCAL_ONLY = (("local_only", "IID partition"), ("local_only_contiguous", "contiguous partition"))


def _local_only_rows(amc: pd.DataFrame, ref: dict, metrics) -> list[dict]:
    """Control (f): each device trained alone on its own partition. Per seed, the mean over devices and
    the worst device (lowest PR-AUC and accuracy, highest RMSE and loss), paired against (c) over seeds."""
    rows = []
    for variant, meaning in LOCAL_ONLY:
        runs = amc[amc.variant == variant] if "worker" in amc else amc.iloc[0:0]
        if runs.empty:
            continue
        devices = int(runs.worker.nunique())
        for kind in ("mean over devices", "worst device"):
            row = {"control": f"(f) local only, {meaning}: {kind}", "seeds": int(runs.seed.nunique())}
            for key, name, digits in metrics:
                lower_is_worse = key in ("threshold_free.pr_auc", "point.accuracy")
                per_seed = {}
                for seed, g in runs.groupby("seed"):
                    vals = finite(g[key])
                    if vals.size:
                        per_seed[int(seed)] = float(vals.mean() if kind.startswith("mean") else
                                                    (vals.min() if lower_is_worse else vals.max()))
                row[name] = mean_sd(per_seed.values(), digits)
                if key in ("threshold_free.pr_auc", "rmse"):
                    row[f"{name} − (c)"] = paired_difference(per_seed, ref[key]).text(digits)
            row["converged"] = f"{devices} devices; " + converged_text(runs)
            rows.append(row)
    return rows


def attribution(frame: pd.DataFrame, dataset: str, key: str = "threshold_free.pr_auc") -> str:
    """One sentence per measured gap: federation (b − a), compression (c − b), memory (d − c), islands
    (e − c), the federation against a device alone (c − f), the model (AMCNN-LSTM − CNN-LSTM, both
    centralised)."""
    get = {v: seeds_of(frame, dataset, "amcnn_lstm", key, v) for v, _, _ in CONTROLS}
    parts = []
    for name, a, b in (("federation (b − a)", "federated_dense", "centralised"),
                       ("compression with GCM (c − b)", "federated_gcm", "federated_dense"),
                       ("federation and compression together (c − a)", "federated_gcm", "centralised"),
                       ("dropping the residual (d − c)", "federated_no_memory", "federated_gcm"),
                       ("contiguous data islands (e − c)", "federated_contiguous", "federated_gcm")):
        if get[a] and get[b]:
            d = paired_difference(get[a], get[b])
            sure = "significant" if d.excludes_zero else "not significant" if d.n >= 2 else "one seed"
            parts.append(f"{name}: {d.text(1)} PR-AUC points ({sure})")
    local = frame[(frame.dataset == dataset) & (frame.model == "amcnn_lstm")]
    if get["federated_gcm"] and "worker" in local:
        local = local[local.variant == "local_only"]
        alone = {int(s): float(finite(g[key]).mean()) for s, g in local.groupby("seed") if finite(g[key]).size}
        if alone:
            d = paired_difference(get["federated_gcm"], alone)
            sure = "significant" if d.excludes_zero else "not significant" if d.n >= 2 else "one seed"
            parts.append(f"what the federation gives a device, (c) − (f) mean over IID devices: {d.text(1)} PR-AUC "
                         f"points ({sure})")
    cnn = seeds_of(frame, dataset, "cnn_lstm", key, "centralised")
    if get["centralised"] and cnn:
        d = paired_difference(get["centralised"], cnn)
        parts.append(f"the model, attention on top of CNN-LSTM (both centralised): {d.text(1)} PR-AUC points")
    return ("Attribution — " + "; ".join(parts) + ".") if parts else ""
