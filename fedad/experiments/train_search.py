"""A fair training search for every learned model of the detect experiment, chosen on V1 loss alone.

What the paper leaves open — the learning rate, the epochs to convergence and, for centralised models,
momentum SGD against Adam — is searched with the same stated budget for every model: each configuration of
``train_search.grid`` trains on one seed (``train_search.seed``) until V1's loss has not improved for
``train_search.budget.patience`` epochs (cap ``max_epochs``), per data set. The configuration with the lowest
best V1 loss wins; the detect runs then use it on every seed, trained for at least its best epoch (the epochs
to convergence are part of the choice) with an epoch cap of at least ``cap_factor`` × it. Federated runs keep
Algorithm 1's momentum SGD and search η only. Every tried configuration and its V1 loss is recorded
(``results/train_search/_choice_<profile>.json``).

The search trains on a view of the data that holds the fitting windows and V1 only (:func:`training_view`),
so no V2 or test array can reach the choice.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from fedad.detection.pipeline import STOPPING, PreparedSeries
from fedad.experiments.common import ConfigError, run_all
from fedad.results import ResultStore, atomic_write_json, finite_or_none
from fedad.results.tables import search_choice_path

EXPERIMENT = "train_search"
SEARCHED = ("centralised", "federated")


def training_view(prep: PreparedSeries) -> PreparedSeries:
    """``prep`` with only the windows that training may read: the fitting part and V1 (the validation part
    only where the protocol could not cut V1 from it, which REPORT.md's protocol table states)."""
    keep = ("fit", STOPPING) if STOPPING in prep.windows else ("fit", "validation")
    return dataclasses.replace(prep, windows={k: prep.windows[k] for k in keep})


def configurations(grid: dict, training: str) -> list[dict]:
    """Every configuration the grid gives a training kind: [{"optimizer": …, "lr": …}]."""
    if training not in grid:
        raise ConfigError(f"train_search.grid names no configurations for {training} training")
    out = []
    for optimizer, rates in grid[training].items():
        if training == "federated" and optimizer != "sgd":
            raise ConfigError("train_search.grid.federated: Algorithm 1 is momentum SGD; give only 'sgd' rates")
        out += [{"optimizer": optimizer, "lr": float(lr)} for lr in rates]
    return out


def family(run: dict) -> str:
    """What one choice is made for: data set, model and training kind."""
    return f"{run['dataset']}/{run['model']}/{run['training']}"


def search_runs(runs: list[dict], search: dict) -> list[dict]:
    """One run per (data set, learned model, training kind, configuration) of the detect runs, on the search
    seed with the search budget."""
    seen, out = set(), []
    datasets = search.get("datasets")
    for base in runs:
        if base["training"] not in SEARCHED or base["model"] == "svm" or base.get("eq9") or \
                base["variant"] not in search["variants"] or family(base) in seen or \
                (datasets is not None and base["dataset"] not in datasets):
            continue
        seen.add(family(base))
        budget = {k: (v.get(base["dataset"], v.get("default")) if isinstance(v, dict) else v)
                  for k, v in search["budget"].items()}
        for conf in configurations(search["grid"], base["training"]):
            run = dict(base, experiment=EXPERIMENT, seed=search["seed"], budget=budget,
                       label=f"search {family(base)} {conf['optimizer']} lr={conf['lr']:g}")
            key = "federated" if base["training"] == "federated" else "train"
            run[key] = {**base[key], "lr": conf["lr"], **({"optimizer": conf["optimizer"]} if key == "train" else {})}
            out.append(run)
    return out


def choose(tried: list[tuple[dict, dict]]) -> dict:
    """{family: {"config", "best_val_loss", "best_epoch", "tried": [...]}} from (run, V1 metrics) pairs: the
    lowest best V1 loss wins; a diverged configuration (no finite loss) never does. Reads V1 losses only."""
    out: dict[str, dict] = {}
    for run, metrics in tried:
        key = "federated" if run["training"] == "federated" else "train"
        conf = {"optimizer": run[key].get("optimizer", "sgd"), "lr": run[key]["lr"]}
        loss = finite_or_none(metrics.get("best_val_loss"))
        row = {**conf, "best_val_loss": loss, "best_epoch": metrics.get("best_epoch"),
               "epochs_run": metrics.get("epochs_run")}
        entry = out.setdefault(family(run), {"tried": []})
        entry["tried"].append(row)
        best = entry.get("best_val_loss")
        if loss is not None and (best is None or loss < best):
            entry.update(config=conf, best_val_loss=loss, best_epoch=metrics.get("best_epoch"))
    return out


def apply_choice(runs: list[dict], choice: dict, cap_factor: float, share: dict | None = None) -> list[dict]:
    """The detect runs with each family's chosen configuration, trained for at least the chosen best epoch
    (the epochs to convergence the search found) and capped at no less than ``cap_factor`` × it; families
    without a choice (every configuration diverged, or a data set not searched) keep the config's. ``share``
    maps a data set to the one whose choice it takes (the same series with other labels: power_demand_audited
    → power_demand)."""
    out = []
    share = share or {}
    for base in runs:
        dataset = share.get(base["dataset"], base["dataset"])
        # a device alone (control (f)) trains like a federated worker: its model's federated η, momentum SGD
        lookups = ("federated", "centralised") if base["training"] == "local" else (base["training"],)
        chosen = next((choice[k] for k in (family(dict(base, dataset=dataset, training=t)) for t in lookups)
                       if "config" in choice.get(k, {})), {})
        if "config" not in chosen or base["training"] not in (*SEARCHED, "local"):
            out.append(base)
            continue
        run = dict(base)
        key = "federated" if run["training"] == "federated" else "train"
        conf = chosen["config"]
        adam = key == "train" and run["training"] != "local"
        run[key] = {**run[key], "lr": conf["lr"], **({"optimizer": conf["optimizer"]} if adam else {})}
        # the epochs to convergence are part of the choice: a run stopping on a plateau that the search trained
        # through would not be trained with the configuration chosen (patience alone does not carry it over)
        best = chosen.get("best_epoch") or 0
        run["budget"] = {**run["budget"], "max_epochs": max(run["budget"]["max_epochs"], math.ceil(cap_factor * best)),
                         "min_epochs": max(run["budget"].get("min_epochs", 0), math.ceil(best))}
        run["searched"] = True
        out.append(run)
    return out


def search_one(run: dict, store: ResultStore, progress: bool) -> dict:
    """Train one configuration on the training view (fitting windows and V1 only) and keep its V1 loss."""
    from fedad.experiments.fitting import prepared, trained_loss

    return trained_loss(run, training_view(prepared(run)), store, progress)


def merged_choice(path: Path, search: dict, choice: dict) -> tuple[dict, dict]:
    """The search settings and choices to record: this search's, joined to those already recorded at ``path``
    by an earlier search with the same settings on other data sets (a profile run a data set at a time
    composes), or this search's alone when the settings differ (the earlier choices were made otherwise)."""
    if not path.is_file():
        return search, choice
    before = json.loads(path.read_text(encoding="utf-8"))

    def settings(s: dict) -> dict:  # as JSON holds them (tuples become lists)
        return {k: v for k, v in json.loads(json.dumps(s)).items() if k != "datasets"}

    if settings(before.get("search", {})) != settings(search) or not search.get("datasets"):
        return search, choice  # other settings, or a search over every data set: nothing earlier to keep
    datasets = list(dict.fromkeys([*(before["search"].get("datasets") or []), *search["datasets"]]))
    return {**search, "datasets": datasets}, {**before.get("choice", {}), **choice}


def run_search(cfg: dict, runs: list[dict], args) -> list[dict]:
    """Run the search (cached), record every tried configuration and the choice, and return the detect
    runs with the chosen configurations applied."""
    search = cfg["train_search"]
    todo = search_runs(runs, search)
    results = run_all(EXPERIMENT, todo, search_one, args)
    choice = choose([(r, res["metrics"]) for r, res in zip(todo, results, strict=True)])
    path = search_choice_path(args.results, cfg["profile"])
    search, choice = merged_choice(path, search, choice)
    atomic_write_json(path, {"search": search, "choice": choice})
    for fam, entry in choice.items():
        print(f"training search {fam}: {entry.get('config', 'every configuration diverged')} "
              f"(best V1 loss {entry.get('best_val_loss')})")
    return apply_choice(runs, choice, float(search.get("cap_factor", 1.5)), search.get("share"))
