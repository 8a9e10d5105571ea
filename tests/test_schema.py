"""The typed config schema: every shipped config fits; a wrong key or value anywhere is one line that
names the key (and the value and what is allowed), at load and again after ``--set``."""

import argparse
import copy
from pathlib import Path

import pytest

from fedad.experiments.common import ConfigError, load_config, prepare
from fedad.experiments.schema import SCHEMAS, check_config


@pytest.mark.parametrize("profile", ["quick", "full", "paper"])
@pytest.mark.parametrize("experiment", sorted(SCHEMAS))
def test_every_shipped_config_fits_its_schema(experiment, profile):
    assert load_config(experiment, profile)["experiment"] == experiment


BAD = [  # (experiment, change, what the one line must say)
    ("detect", lambda c: c.update(horizon=0), "horizon = 0: Input should be greater than 0"),
    ("detect", lambda c: c.update(horzon=4), "unknown key 'horzon'"),
    ("detect", lambda c: c.pop("theta"), "'theta' is missing"),
    ("detect", lambda c: c.update(headline_rule="best"), "headline_rule = 'best': Input should be 'false_alarm' or"),
    ("detect", lambda c: c["federated"].update(rho="a lot"), "federated.rho = 'a lot': Input should be a valid number"),
    ("detect", lambda c: c["federated"].update(compressor="zip"), "federated: FederatedConfig: compressor must be"),
    ("detect", lambda c: c["federated"].update(compresor="topk"), "unknown federated settings ['compresor']"),
    ("detect", lambda c: c["variants"]["federated_dense"]["federated"].update(memory="lots"),
     "variants.federated_dense.federated: FederatedConfig: memory must be"),
    ("detect", lambda c: c["variants"]["centralised"].update(training="cloud"),
     "variants.centralised.training = 'cloud'"),
    ("detect", lambda c: c["budget"].update(max_epochs={"default": -1}), "budget.max_epochs.default = -1"),
    ("detect", lambda c: c["plan"][0].update(variants=["nope"]), "plan[0] names variants ['nope']"),
    ("detect", lambda c: c["plan"][0].update(models=["transformer"]), "unknown models ['transformer']"),
    ("detect", lambda c: c["lr"].update(lstm=-0.3), "lr.lstm = -0.3: Input should be greater than 0"),
    ("detect", lambda c: c["svm"].update(max_train={"default": 0}), "svm.max_train.default = 0"),
    ("comm", lambda c: c.update(compressors=["zip"]), "compressors[0] = 'zip'"),
    ("comm", lambda c: c["link"].update(uplink_mbps=0), "link.uplink_mbps = 0"),
    ("ucr", lambda c: c["series"].update(rule="random"), "series.rule = 'random'"),
    ("ucr", lambda c: c["protocol"].update(windw=3), "unknown protocol settings ['windw']"),
    ("tune_rho", lambda c: c.update(rhos=[0.3, 150]), "rhos[1] = 150: Input should be less than or equal to 100"),
    ("compressors", lambda c: c["workloads"]["mnist"].update(batch_size=0), "workloads.mnist.batch_size = 0"),
]


@pytest.mark.parametrize(("experiment", "change", "expected"), BAD, ids=[b[2][:40] for b in BAD])
def test_a_bad_value_is_one_line_naming_the_key(experiment, change, expected):
    cfg = copy.deepcopy(load_config(experiment, "quick"))
    change(cfg)
    with pytest.raises(ConfigError) as info:
        check_config(experiment, cfg, "the.yaml")
    message = str(info.value)
    assert message.startswith("the.yaml: ") and "\n" not in message and expected in message, message


def test_a_set_override_is_checked_like_the_file():
    args = argparse.Namespace(profile="quick", config=None, overrides=["federated.rho=0"], seeds=None)
    with pytest.raises(ConfigError, match=r"after --set/--seeds: federated: FederatedConfig: rho is a percentage"):
        prepare(args, "detect")
    args.overrides, args.seeds = [], [-1]
    with pytest.raises(ConfigError, match=r"seeds\[0\] = -1"):
        prepare(args, "detect")


def test_the_checked_config_is_the_file_unchanged():
    """The experiments read the mapping as written (their run records, and so the cached results' hashes,
    do not move): the schema checks, it adds no defaults."""
    import yaml

    cfg = load_config("detect", "quick")
    raw = yaml.safe_load(Path(cfg["config_file"]).read_text(encoding="utf-8"))
    assert {k: v for k, v in cfg.items() if k not in ("profile", "config_file")} == raw
