"""Eq. 9 read literally: window = horizon = one period, per-lead scores, the seasonal-residual forecaster."""

import pytest
import torch

from fedad.experiments import detect
from fedad.experiments.common import ConfigError
from fedad.models.seasonal_residual import SeasonalResidual
from tests.conftest import needs_real
from tests.test_detect_script import TINY


class _Zero(torch.nn.Module):
    def __init__(self, horizon: int):
        super().__init__()
        self.horizon, self.bias = horizon, torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.zeros(x.shape[0], self.horizon, x.shape[2]) + self.bias


def test_a_seasonal_residual_forecaster_is_seasonal_naive_plus_its_network():
    x = torch.arange(2 * 10 * 1, dtype=torch.float32).reshape(2, 10, 1)
    model = SeasonalResidual(_Zero(3), period=5, window=10, horizon=3)
    assert torch.equal(model(x), x[:, 5:8])  # x_{t−P} for the next 3 steps
    model.net.bias.data.fill_(0.5)
    assert torch.equal(model(x), x[:, 5:8] + 0.5)
    with pytest.raises(ValueError, match="horizon 6 <= period 5"):
        SeasonalResidual(_Zero(6), period=5, window=10, horizon=6)


@pytest.mark.parametrize(("eq9", "match"), [({"lead": [1]}, "unknown eq9 keys"),
                                             ({"target": "diff"}, "target must be one of"),
                                             ({"covariance": "oas"}, "covariance must be one of"),
                                             ({"leads": [0]}, "positive integers or 'last'")])
def test_a_wrong_eq9_setting_is_refused_with_its_name(eq9, match):
    with pytest.raises(ConfigError, match=match):
        detect._eq9_setting({"variant": "eq9_x", "label": "x"}, eq9)


@needs_real
def test_eq9_literal_scores_a_week_ahead_on_power_demand_with_each_lead(tmp_path):
    variants = ("variants={eq9_seasonal_residual: {training: centralised, eq9: {leads: [1, last], "
                "covariance: ledoit_wolf, target: seasonal_residual}}}")
    argv = ["--results", str(tmp_path), *TINY, "--set", variants,
            "--set", "plan=[{models: [sae, seasonal_naive], variants: [eq9_seasonal_residual]}]"]
    out = {r["config"]["model"]: r for r in detect.main(argv)}
    sae, naive = out["sae"], out["seasonal_naive"]
    assert sae["config"]["horizon"] == sae["config"]["window"] == 168 and sae["metrics"]["horizon"] == 168
    eq9 = sae["metrics"]["eq9"]
    assert eq9["T"] == 168 and eq9["covariance"] == "ledoit_wolf" and eq9["target"] == "seasonal_residual"
    assert {k: v["lead"] for k, v in eq9["leads"].items()} == {"1": 1, "last": 168}
    assert naive["metrics"]["training"] == "none"  # a reference stays untrained whatever the variant says
    assert naive["metrics"]["skill"]["test_normal"]["mase"] == pytest.approx(1.0)
    for r in (sae, naive):
        assert 0 < r["metrics"]["threshold_free"]["pr_auc"] <= 100 and "event_profile" in r["metrics"]


@needs_real
def test_a_lead_beyond_one_period_is_refused_before_any_training(tmp_path):
    variants = "variants={eq9_x: {training: centralised, eq9: {leads: [1, 500]}}}"
    with pytest.raises(ConfigError, match=r"eq9 leads \[500\] exceed T = 168 steps of power_demand"):
        detect.main(["--results", str(tmp_path), *TINY, "--set", variants,
                     "--set", "plan=[{models: [sae], variants: [eq9_x]}]"])
    assert not list(tmp_path.glob("detect/*.json"))
