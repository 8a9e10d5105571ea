"""From a series to detection results, out of sample: fit / validation / test parts, Eq. 10 scores with
μ, Σ and ς from the validation part, and metrics that discriminate, on the test part read once.

``prepare_series`` does the data side once per (data set protocol, horizon): resample, split with a
validation block (:mod:`fedad.data.splits`), min–max scaling fitted on the fitting segments only, the
window rule (:mod:`fedad.data.protocol`), stride-1 windows. ``detection_metrics`` turns a forecaster's outputs for
the three parts into scores, a threshold and the test metrics:

1. error vectors β_t (Malhotra et al., 2015) of every scored point (context points are never scored);
2. μ, Σ fitted on the *validation* part's normal points (V2: the validation block's second part; V1, its
   first part, is where the model early-stopped); A_t by Eq. 10 for every part;
3. ς by the *headline* rule, on the validation part only: by default ``false_alarm`` — the quantile of the
   normal validation scores that flags :data:`FALSE_ALARM_RATE` of them, whatever the block's share of
   anomalies (:func:`fedad.detection.threshold.false_alarm_threshold`); or ``max_f`` — the paper's
   criterion, max F_θ on the validation scores and labels (:func:`fedad.detection.threshold.choose_threshold`);
4. test metrics: point, event, threshold-free, point-adjusted (a labelled extra), subsequence, RMSE.

Both rules' test metrics are also kept under ``false_alarm_rule`` and ``max_f_rule``. The paper's in-sample
rule (μ, Σ and ς on the training part the model was fitted on) is computed beside them under
``paper_rule`` so that REPORT.md can compare. Also on the same validation part and the same test part:
``one_sided`` (Eq. 10 with only errors larger than μ counting, ς by max F_θ), ``bootstrap`` (95 % intervals
of test accuracy and F1 over period-long test segments resampled) and ``sensitivity`` (test accuracy and F1
as the precision floor and θ of max F_θ change). "Flag nothing" is scored under ``flag_nothing``. No test label reaches μ, Σ, ς or the model (tests scramble them to check).

Two analyses are recorded beside the detection metrics: ``skill`` — RMSE and MASE on the normal points of
the test part and of V2 (:mod:`fedad.detection.skill`: is the forecaster competent at all?) — and
``event_profile`` — the mean error and score percentile by relative position through each labelled test
event against the same positions of normal stretches (:mod:`fedad.detection.event_profile`: does it err
through an event, or only at its edges?).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from fedad.data.protocol import SeriesProtocol, check_window, choose_window, load_for_protocol, record_periods
from fedad.data.resample import resample_mean
from fedad.data.series import SeriesDataset
from fedad.data.splits import Split, split_three_way
from fedad.data.subsequences import DEFAULT_RULES
from fedad.data.windows import SeriesPart, Windows, fit_scalers, scale_part, windows_of
from fedad.detection.errors import PointErrors, point_errors, window_errors
from fedad.detection.event_profile import event_profile
from fedad.detection.metrics import (
    classification_metrics,
    event_metrics,
    point_adjusted_f1,
    rmse,
    subsequence_metrics,
    threshold_free_metrics,
)
from fedad.detection.scores import GaussianErrorModel
from fedad.detection.skill import forecast_skill
from fedad.detection.threshold import ThresholdChoice, choose_threshold, false_alarm_threshold
from fedad.models.references import Persistence, SeasonalNaive
from fedad.statistics import segment_bootstrap
from fedad.training.tasks import ForecastTask

PARTS = ("fit", "validation", "test")
STOPPING = "stopping"  # V1, when the protocol cuts the validation block in two (fedad.data.splits)
FALSE_ALARM_RATE = 0.01  # the prevalence-free rule's share of normal validation points flagged
HEADLINE_RULES = ("false_alarm", "max_f")  # which ς the top-level metrics use: 1 % false alarms, or max F_θ
PRECISION_FLOORS = (0.4, 0.5, 0.6)  # max F_θ's validation precision floor, for the sensitivity table
THETAS = (0.02, 0.05, 0.2, 1.0)  # F_θ's θ, for the sensitivity table (the paper's: 0.05)


@dataclass
class PreparedSeries:
    """A data set split into scaled fit / validation / test parts and cut into stride-1 windows."""

    name: str
    protocol: SeriesProtocol
    split: Split
    windows: dict[str, Windows]
    window: int
    horizon: int
    period: int | None
    window_rule: str
    chunk: int
    periods: dict[int, int] = field(default_factory=dict)  # source record -> its own period
    # part -> one bool mask per segment (context included): points never scored, e.g. a user's filled gaps
    unscored: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def window_periods(self, part: str) -> np.ndarray | None:
        """Each window's own record period (seasonal-naive's lag), or None for a data set without one.

        A record too short for the period rule takes the data set's period (the longest over records).
        """
        if self.period is None:
            return None
        w, source = self.windows[part], self.part(part).source
        return np.array([self.periods.get(int(source[i]), self.period) for i in w.sequence], dtype=np.int64)

    @property
    def dims(self) -> int:
        return self.split.fit.sequences[0].shape[1]

    def part(self, name: str) -> SeriesPart:
        return self.split.stopping_part if name == STOPPING else getattr(self.split, name)

    def task(self) -> ForecastTask:
        """Fit windows to train on; V1's windows whose targets are all normal to early-stop on (the
        validation part's under the shared fallback).

        Neither V2 nor the test windows are in the task: μ, Σ and ς read V2, the test part is read once.
        """
        fit = self.windows["fit"]
        val = self.windows[STOPPING] if STOPPING in self.windows else self.windows["validation"]
        normal = ~val.labels
        t = torch.from_numpy
        return ForecastTask(t(fit.x), t(fit.y), None, None, name=self.name, x_val=t(val.x[normal]),
                            y_val=t(val.y[normal]))

    def describe(self) -> dict:
        """What a result records about the data side: the rule, the window, the blocks and the events."""
        return {"window": self.window, "horizon": self.horizon, "period": self.period,
                "record_periods": {self.split.fit.names[self.split.fit.source.index(k)].split("[")[0]: v
                                   for k, v in self.periods.items()},
                "window_rule": self.window_rule,
                "protocol": self.protocol.to_dict(), "validation_blocks": self.split.blocks,
                "events": self.split.events(), **{f"{p}_windows": len(w) for p, w in self.windows.items()}}


def prepare_series(protocol: SeriesProtocol, horizon: int, window: int | None = None,
                   dataset: SeriesDataset | None = None, test: SeriesDataset | None = None) -> PreparedSeries:
    """Load and split by ``protocol``, choose the window (its rule unless ``window`` is given), scale on
    the fitting segments only, and cut windows; validation and test segments get ``window + horizon − 1``
    points of context so that every one of their points can be scored.

    ``dataset`` (and optionally a separate ``test`` set) replaces loading by name: a user's own series
    goes through exactly the same steps, after ``protocol.resample``.
    """
    if dataset is None:
        ds, test = load_for_protocol(protocol)
    else:
        ds = resample_mean(dataset, protocol.resample)
        test = resample_mean(test, protocol.resample) if test is not None else None
    probe = split_three_way(ds, protocol.train_fraction, protocol.validation_fraction, protocol.split_mode,
                            protocol.validation_rule, 0, test, protocol.stopping_fraction)
    chosen, period, rule = choose_window(probe, protocol)
    periods = record_periods(probe, protocol) if period is not None else {}
    if window:
        chosen, rule = window, f"fixed by the config: {window} steps (the rule would give {chosen})"
    check_window(probe, chosen, horizon, protocol.dataset)
    split = split_three_way(ds, protocol.train_fraction, protocol.validation_fraction, protocol.split_mode,
                            protocol.validation_rule, chosen + horizon - 1, test, protocol.stopping_fraction)
    return prepare_split(protocol, split, chosen, horizon, period, rule, periods)


def prepare_split(protocol: SeriesProtocol, split: Split, window: int, horizon: int, period: int | None,
                  rule: str, periods: dict[int, int] | None = None) -> PreparedSeries:
    """Scale a split on its fitting segments only and cut stride-1 windows of every part.

    The split's validation and test segments must carry ``window + horizon − 1`` points of context.
    """
    scalers = fit_scalers(split.fit, per_sequence=protocol.scaling == "per_sequence")
    split = Split(scale_part(split.fit, scalers), scale_part(split.validation, scalers),
                  scale_part(split.test, scalers), split.blocks,
                  scale_part(split.stopping, scalers) if split.stopping is not None else None)
    windows = {p: windows_of(getattr(split, p), window, horizon) for p in PARTS}
    if split.stopping is not None:
        windows[STOPPING] = windows_of(split.stopping, window, horizon)
    table_rule = DEFAULT_RULES.get(protocol.loader)  # subsequence chunks: one period, as in Table I
    chunk = period or (table_rule.fixed if table_rule and table_rule.fixed else 10 * window)
    return PreparedSeries(protocol.dataset, protocol, split, windows, window, horizon, period, rule, chunk,
                          dict(periods or {}))


def scored_errors(prep: PreparedSeries, part: str, forecast: np.ndarray, lead: int | None = None) -> PointErrors:
    """β_t of every scored point of a part (context points dropped); with ``lead`` (1 … T) only the
    errors of the forecast made that many steps ahead (one per channel), instead of the vector over leads."""
    w, segs = prep.windows[part], prep.part(part)
    pe = point_errors(window_errors(w.y, forecast), w.sequence, w.start, segs.labels, prep.window)
    keep = pe.position >= np.asarray(segs.context)[pe.sequence]
    masks = prep.unscored.get(part)
    if masks:
        offsets = np.concatenate([[0], np.cumsum([len(m) for m in masks])[:-1]]).astype(np.int64)
        keep &= ~np.concatenate(masks)[offsets[pe.sequence] + pe.position]
    errors = pe.errors[keep]
    if lead is not None:
        if not 1 <= lead <= prep.horizon:
            raise ValueError(f"lead must be between 1 and the horizon {prep.horizon}, got {lead}")
        dims = errors.shape[1] // prep.horizon
        errors = errors[:, (lead - 1) * dims : lead * dims]
    return PointErrors(errors, pe.labels[keep], pe.sequence[keep], pe.position[keep])


def reference_forecast(prep: PreparedSeries, part: str) -> np.ndarray:
    """The scale of MASE for a part's windows: seasonal-naive (each record's own period) where the data set
    has a period, persistence where it has none."""
    x = prep.windows[part].x
    if prep.period is not None and prep.horizon <= prep.period <= prep.window:
        return SeasonalNaive(prep.dims, prep.horizon, prep.window, prep.period).predict(x, prep.window_periods(part))
    return Persistence(prep.dims, prep.horizon).predict(x)


def skill_scale(prep: PreparedSeries) -> str:
    """The reference forecaster :func:`reference_forecast` uses, by name."""
    if prep.period is not None and prep.horizon <= prep.period <= prep.window:
        return "seasonal_naive"
    return "persistence"


def _test_metrics(test: PointErrors, scores: np.ndarray, threshold: float, theta: float, chunk: int) -> dict:
    flags = scores >= threshold
    return {
        "point": classification_metrics(test.labels, flags, theta),
        "event": event_metrics(test.labels, flags, test.sequence),
        "point_adjusted_f1": point_adjusted_f1(test.labels, flags, test.sequence),
        "subsequence": subsequence_metrics(test.labels, flags, test.sequence, test.position, chunk, theta),
    }


def score_metrics(prep: PreparedSeries, validation: PointErrors, validation_scores: np.ndarray, test: PointErrors,
                  test_scores: np.ndarray, theta: float = 0.05) -> dict:
    """The headline test metrics of a detector that scores points directly (no forecast, e.g. the
    matrix-profile discord): ς flags :data:`FALSE_ALARM_RATE` of the validation part's normal scores, as
    :func:`calibrate` does for Eq. 10, and the test part is read once after it."""
    normal = ~validation.labels
    choice = false_alarm_threshold(validation_scores[normal] if normal.any() else validation_scores,
                                   FALSE_ALARM_RATE)
    return {"rmse": None, "threshold": choice.value, "threshold_rule": choice.rule,
            "flags_nothing": choice.flags_nothing,
            **_test_metrics(test, test_scores, choice.value, theta, prep.chunk),
            "threshold_free": threshold_free_metrics(test.labels, test_scores)}


@dataclass
class Calibration:
    """What the detector learns from the fit and validation parts only: N(μ, Σ) (Eq. 10) and ς by the
    headline rule, with max F_θ's ς beside it."""

    gaussian: GaussianErrorModel
    threshold: ThresholdChoice  # the headline rule's ς
    validation: PointErrors
    validation_scores: np.ndarray
    max_f: ThresholdChoice  # the paper's criterion on validation
    false_alarm: ThresholdChoice  # the prevalence-free rule


def calibrate(prep: PreparedSeries, forecasts: dict[str, np.ndarray], theta: float = 0.05, min_precision: float = 0.5,
              fallback_percentile: float = 99.5, headline: str = "false_alarm", lead: int | None = None,
              covariance: str = "ml") -> Calibration:
    """μ, Σ on the validation part's normal points and ς by both rules; ``headline`` names the one the
    top-level metrics (and the figures) use; ``lead`` and ``covariance`` as in :func:`detection_metrics`.
    Takes no test input."""
    if headline not in HEADLINE_RULES:
        raise ValueError(f"threshold headline must be one of {HEADLINE_RULES}, got {headline!r}")
    val = scored_errors(prep, "validation", forecasts["validation"], lead)
    normal = ~val.labels
    gaussian = GaussianErrorModel.fit(val.errors[normal] if normal.sum() > 1 else val.errors, covariance=covariance)
    val_scores = gaussian.score(val.errors)
    max_f = choose_threshold(val_scores, val.labels, theta, min_precision, fallback_percentile, "validation")
    far = false_alarm_threshold(val_scores[normal] if normal.any() else val_scores, FALSE_ALARM_RATE)
    return Calibration(gaussian, far if headline == "false_alarm" else max_f, val, val_scores, max_f, far)


def detection_metrics(prep: PreparedSeries, forecasts: dict[str, np.ndarray], theta: float = 0.05,
                      min_precision: float = 0.5, fallback_percentile: float = 99.5,
                      headline: str = "false_alarm", lead: int | None = None, covariance: str = "ml") -> dict:
    """Scores, ς from the validation part, and the test metrics (see the module docstring).

    ``forecasts`` maps "fit", "validation" and "test" to the forecaster's outputs [M, T, D] for that
    part's windows (in :attr:`PreparedSeries.windows` order). ``lead`` scores each point by its forecast
    that many steps ahead only (default: the vector over all T leads, Eq. 10); ``covariance`` is Σ's
    estimator (:class:`GaussianErrorModel`).
    """
    missing = [p for p in PARTS if p not in forecasts]
    if missing:
        raise ValueError(f"detection_metrics needs forecasts for every part; missing {missing}")
    cal = calibrate(prep, forecasts, theta, min_precision, fallback_percentile, headline, lead, covariance)
    fit, val = scored_errors(prep, "fit", forecasts["fit"], lead), cal.validation
    test = scored_errors(prep, "test", forecasts["test"], lead)  # read once, after everything above is fixed
    test_scores = cal.gaussian.score(test.errors)
    choice = cal.threshold
    out = {
        "rmse": rmse(prep.windows["test"].y, forecasts["test"]),
        "validation_rmse": rmse(prep.windows["validation"].y, forecasts["validation"]),
        "fit_rmse": rmse(prep.windows["fit"].y, forecasts["fit"]),
        "threshold": choice.value,
        "headline_rule": headline,
        "threshold_rule": choice.rule,
        "threshold_choice": choice.to_dict(),
        "flags_nothing": choice.flags_nothing,
        "threshold_validation_percentile": float(100 * np.mean(cal.validation_scores < choice.value)),
        **_test_metrics(test, test_scores, choice.value, theta, prep.chunk),
        "threshold_free": threshold_free_metrics(test.labels, test_scores),
        "validation_threshold_free": threshold_free_metrics(val.labels, cal.validation_scores),
        "flag_nothing": _test_metrics(test, np.zeros(len(test.labels)), np.inf, theta, prep.chunk),
        "test_anomalous_fraction": float(test.labels.mean()),
        "trivial_accuracy": 100 * float(1 - test.labels.mean()),
        "scored_points": {"fit": len(fit.labels), "validation": len(val.labels), "test": len(test.labels)},
        # β_t needs all T horizons' forecasts of point t: a segment's last T − 1 points have fewer, so they are
        # not scored (for the engine: 3 of the 30 labelled cycles before each failure)
        "unscored_test_points": {"points": prep.split.test.n_points - len(test.labels),
                                 "anomalous": int(sum(lab.sum() for lab in prep.split.test.own_labels())
                                                  - test.labels.sum())},
    }
    segments = test.sequence.astype(np.int64) * (1 + int(test.position.max(initial=0))) + test.position // prep.chunk
    out["bootstrap"] = {"segment_steps": prep.chunk,
                        **segment_bootstrap(test.labels, test_scores >= choice.value, segments)}
    for key, rule in (("false_alarm_rule", cal.false_alarm), ("max_f_rule", cal.max_f)):
        out[key] = {"threshold": rule.value, "threshold_rule": rule.rule, "flags_nothing": rule.flags_nothing,
                    "validation_false_alarms": float(np.mean(cal.validation_scores[~val.labels] >= rule.value))
                    if (~val.labels).any() else None,
                    **_test_metrics(test, test_scores, rule.value, theta, prep.chunk)}
    out["false_alarm_rule"]["rate"] = FALSE_ALARM_RATE
    one_val = cal.gaussian.score(val.errors, one_sided=True)
    one_test = cal.gaussian.score(test.errors, one_sided=True)
    one_choice = choose_threshold(one_val, val.labels, theta, min_precision, fallback_percentile, "validation")
    out["one_sided"] = {"threshold": one_choice.value, "threshold_rule": one_choice.rule,
                        **_test_metrics(test, one_test, one_choice.value, theta, prep.chunk),
                        "threshold_free": threshold_free_metrics(test.labels, one_test)}
    out["sensitivity"] = []
    for floor, th in [(f, theta) for f in PRECISION_FLOORS] + [(min_precision, t) for t in THETAS if t != theta]:
        c = choose_threshold(cal.validation_scores, val.labels, th, floor, fallback_percentile, "validation")
        m = classification_metrics(test.labels, test_scores >= c.value, th)
        out["sensitivity"].append({"min_precision": floor, "theta": th, "flags_nothing": c.flags_nothing,
                                   "accuracy": m["accuracy"], "f1": m["f1"]})
    # the paper's rule: μ, Σ and ς in-sample on the training part (fit + validation: all the paper had)
    inside = [fit, val] + ([scored_errors(prep, STOPPING, forecasts[STOPPING], lead)] if STOPPING in forecasts else [])
    train_err = np.concatenate([e.errors for e in inside])
    train_lab = np.concatenate([e.labels for e in inside])
    paper_gauss = GaussianErrorModel.fit(train_err[~train_lab] if (~train_lab).sum() > 1 else train_err,
                                         covariance=covariance)
    paper_choice = choose_threshold(paper_gauss.score(train_err), train_lab, theta, rule="in_sample")
    paper_scores = paper_gauss.score(test.errors)
    out["paper_rule"] = {"threshold": paper_choice.value, "threshold_rule": paper_choice.rule,
                         **_test_metrics(test, paper_scores, paper_choice.value, theta, prep.chunk),
                         "threshold_free": threshold_free_metrics(test.labels, paper_scores)}
    out["skill"] = skill_metrics(prep, forecasts)
    normal_val = cal.validation_scores[~val.labels] if (~val.labels).any() else cal.validation_scores
    out["event_profile"] = event_profile(test, test_scores, normal_val, prep.period)
    return out


def skill_metrics(prep: PreparedSeries, forecasts: dict[str, np.ndarray]) -> dict:
    """RMSE and MASE (:mod:`fedad.detection.skill`) on the normal points of the test part and of V2, every
    lead of each point, against the reference :func:`skill_scale` names."""
    out = {"scale": skill_scale(prep)}
    for part, key in (("test", "test_normal"), ("validation", "validation_normal")):
        model = scored_errors(prep, part, forecasts[part])
        out[key] = forecast_skill(model, scored_errors(prep, part, reference_forecast(prep, part)))
    return out
