"""The paper profile's configs state the paper's numbers as fedad.paper has them (the one statement of
them): N, B, η, E, θ, the 7:3 split, ρ and the ρ grid. FederatedConfig's defaults are the same numbers."""

from __future__ import annotations

import pytest

from fedad import paper
from fedad.data.protocol import protocol_for
from fedad.experiments.common import load_config
from fedad.federated.config import FederatedConfig

HP = paper.HYPERPARAMETERS
PAPER_RUNS = ("detect", "comm", "tune_rho")  # the experiments that train as the paper says
RHO_SET = ("detect", "comm", "compressors", "ucr")  # the ones that fix ρ at the paper's choice


@pytest.mark.parametrize("experiment", PAPER_RUNS)
def test_workers_batch_size_learning_rate_and_epochs_are_the_papers(experiment):
    cfg = load_config(experiment, "paper")
    fed = cfg["federated"]
    assert fed["n_workers"] == HP["n_workers"]
    assert fed["batch_size"] == HP["batch_size"]
    assert fed.get("lr", cfg.get("lr", {}).get("default")) == HP["lr"]
    epochs = cfg["epochs"] if experiment == "tune_rho" else cfg["budget"]["max_epochs"]
    assert epochs == HP["epochs"]
    if experiment != "tune_rho":  # no early stopping: the paper trains E epochs
        assert cfg["budget"]["patience"] == cfg["budget"]["min_epochs"] == HP["epochs"]


def test_detection_uses_the_papers_theta_split_and_centralised_batch_size():
    cfg = load_config("detect", "paper")
    assert cfg["theta"] == HP["theta"]
    assert cfg["train"]["batch_size"] == HP["batch_size"]
    for dataset in cfg["datasets"]:
        assert protocol_for(dataset, cfg["protocol"].get(dataset)).train_fraction == HP["train_fraction"]


@pytest.mark.parametrize("experiment", RHO_SET)
def test_rho_is_the_papers_choice(experiment):
    cfg = load_config(experiment, "paper")
    assert cfg["federated"]["rho"] == paper.CHOSEN_RHO
    assert cfg["federated"]["n_workers"] == HP["n_workers"]


def test_the_rho_sweep_is_the_papers_grid():
    rhos = load_config("tune_rho", "paper")["rhos"]
    assert [float(r) for r in rhos] == list(paper.RHO_GRID)
    assert paper.CHOSEN_RHO in paper.RHO_GRID


def test_federated_defaults_are_the_papers():
    c = FederatedConfig()
    assert (c.n_workers, c.batch_size, c.lr, c.rho) == (HP["n_workers"], HP["batch_size"], HP["lr"], paper.CHOSEN_RHO)
