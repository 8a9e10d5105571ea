"""The training search: a grid per training kind, chosen on V1 loss alone, applied to every seed."""

import json
from pathlib import Path

import numpy as np
import pytest

from fedad.detection.pipeline import prepare_series
from fedad.experiments import train_search
from fedad.experiments.common import ConfigError
from fedad.experiments.fitting import train_model
from fedad.results import ResultStore
from tests.test_pipeline import V1V2, _series

GRID = {"centralised": {"sgd": [0.05, 0.2], "adam": [0.001]}, "federated": {"sgd": [0.1]}}


def _run(model="sae", training="centralised", dataset="toy", **extra):
    return {"dataset": dataset, "model": model, "variant": training, "training": training, "seed": 0,
            "horizon": 2, "label": "x", "budget": {"max_epochs": 40, "patience": 4, "min_epochs": 0},
            "train": {"batch_size": 64, "lr": 0.1, "momentum": 0.9}, "federated": {"lr": 0.1},
            "model_kwargs": {"sae": {"widths": [16, 8]}}, **extra}


def test_the_training_view_holds_the_fitting_windows_and_v1_only():
    prep = prepare_series(V1V2, horizon=2, dataset=_series())
    view = train_search.training_view(prep)
    assert set(view.windows) == {"fit", "stopping"}
    with pytest.raises(KeyError):
        view.windows["validation"]
    with pytest.raises(KeyError):
        view.windows["test"]


def test_poisoned_v2_and_test_arrays_leave_the_search_unchanged(tmp_path):
    def search(poison: bool) -> dict:
        prep = prepare_series(V1V2, horizon=2, dataset=_series())
        if poison:
            for part in ("validation", "test"):
                prep.windows[part].x[:] = np.nan
                prep.windows[part].y[:] = np.nan
        view = train_search.training_view(prep)
        tried, store = [], ResultStore("train_search", tmp_path / str(poison))
        for run in train_search.search_runs([_run()], {"grid": GRID, "seed": 0, "variants": ["centralised"],
                                                       "budget": {"max_epochs": 3, "patience": 2}}):
            _, facts, _ = train_model(run, view, store=store, progress=False)
            tried.append((run, facts))
        return train_search.choose(tried)

    clean, poisoned = search(False), search(True)
    assert clean == poisoned and np.isfinite(clean["toy/sae/centralised"]["best_val_loss"])
    assert [t["optimizer"] for t in clean["toy/sae/centralised"]["tried"]] == ["sgd", "sgd", "adam"]


def test_the_lowest_v1_loss_wins_a_diverged_configuration_never_does_and_every_seed_gets_it():
    runs = [_run(seed=s) for s in (0, 1, 2)] + [_run(training="federated", variant="federated_gcm")]
    search = {"grid": GRID, "seed": 0, "variants": ["centralised", "federated_gcm"], "budget": {"max_epochs": 9}}
    tried = train_search.search_runs(runs, search)
    assert len(tried) == 4 and {r["seed"] for r in tried} == {0}  # 3 centralised + 1 federated, one seed
    losses = {0.05: 0.3, 0.2: None, 0.001: 0.1}
    metrics = [{"best_val_loss": losses.get(r["train"]["lr"], 0.5), "best_epoch": 20} for r in tried]
    choice = train_search.choose(list(zip(tried, metrics, strict=True)))
    assert choice["toy/sae/centralised"]["config"] == {"optimizer": "adam", "lr": 0.001}
    applied = train_search.apply_choice(runs, choice, 1.5, {"toy_audited": "toy"})
    assert all(r["train"]["optimizer"] == "adam" and r["budget"]["max_epochs"] == 40 for r in applied[:3])
    # the epochs to convergence are part of the choice: no seed stops before the chosen best epoch
    assert all(r["budget"]["min_epochs"] == 20 for r in applied[:3])
    early = {**choice["toy/sae/centralised"], "best_epoch": 2.5}  # below the config's own minimum: that stays
    own = _run(budget={"max_epochs": 40, "patience": 4, "min_epochs": 5})
    assert train_search.apply_choice([own], {"toy/sae/centralised": early}, 1.5)[0]["budget"]["min_epochs"] == 5
    assert train_search.apply_choice([_run()], {"toy/sae/centralised": early}, 1.5)[0]["budget"]["min_epochs"] == 3
    assert train_search.apply_choice([_run(dataset="toy_audited")], choice, 3.0, {"toy_audited": "toy"})[0][
        "budget"]["max_epochs"] == 60  # 3 × best epoch 20, above the cap of 40


def test_a_federated_grid_with_adam_is_refused():
    with pytest.raises(ConfigError, match="Algorithm 1 is momentum SGD"):
        train_search.configurations({"federated": {"adam": [0.001]}}, "federated")


def test_a_config_with_both_the_sweep_and_the_search_is_refused(tmp_path):
    import yaml

    from fedad.experiments import detect

    cfg = yaml.safe_load((Path(detect.__file__).parent / "configs" / "full" / "detect.yaml").read_text())
    cfg["lr_sweep"] = {"values": [0.1]}
    (tmp_path / "both.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="both lr_sweep and train_search"):
        detect.main(["--results", str(tmp_path), "--profile", "full", "--quiet", "--config", str(tmp_path / "both.yaml")])


def test_a_search_on_other_data_sets_joins_the_recorded_choice_and_one_with_other_settings_replaces_it(tmp_path):
    path = tmp_path / "_choice_full.json"
    search = {"seed": 0, "datasets": ["power_demand"], "grid": {"federated": {"sgd": [0.1, 1.0]}}}
    first = {"power_demand/amcnn_lstm/federated": {"config": {"optimizer": "sgd", "lr": 1.0}}}
    assert train_search.merged_choice(path, search, first) == (search, first)  # nothing recorded yet
    path.write_text(json.dumps({"search": search, "choice": first}))
    second = {"engine/amcnn_lstm/federated": {"config": {"optimizer": "sgd", "lr": 0.1}}}
    joined, choice = train_search.merged_choice(path, {**search, "datasets": ["engine"]}, second)
    assert joined["datasets"] == ["power_demand", "engine"] and choice == {**first, **second}
    other = {**search, "datasets": ["engine"], "grid": {"federated": {"sgd": [0.3]}}}
    assert train_search.merged_choice(path, other, second) == (other, second)
