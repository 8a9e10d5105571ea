"""Train / validation / test: the paper's 7:3 split with a validation block held out of model fitting.

The detector's threshold ς and its Gaussian (μ, Σ of Eq. 10) must be chosen out of sample (Malhotra et
al., 2015), so a block of each training part is held out of fitting as *validation*:

``mode="time"`` (one or more long series), for each sequence of length L:
  * train part = the first ``floor(train_fraction · L)`` points, test part = the rest;
  * validation = a block of ``round(validation_fraction · train length)`` points: the tail of the train
    part by default; when ``validation="event"`` and the tail holds no labelled point but the train part
    does, the block of the same length centred on the *last training event* (clipped to the train part;
    an event longer than the block starts it). Under the 7:3 split no tail of power demand, space
    shuttle or any ECG record holds an event (PAPER.md §8), so a tail-only rule would leave nothing to
    tune ς on;
  * a block edge that falls inside an event moves outward to the event's boundary (inside the train part), so
    that no event is cut in two between fit and validation;
  * fit = the train part without the block (up to two segments; no fitting window overlaps the block).

The block is then cut in two in time (``stopping_fraction`` > 0): **V1**, its first part, is ``stopping``
(early stopping and the learning-rate choice read only V1's normal windows) and **V2**, the rest, stays
``validation`` (μ, Σ and ς read only V2), so that a model's training never sees the points its threshold is
set on. The cut sits ``stopping_fraction`` of the way into the block and moves back to the start of an
event it would cut; if V2 would then hold no labelled point while the block does, the cut moves back to the
start of the block's last event. Fallback, stated in ``blocks``: where V1 would keep less than
:data:`MIN_STOPPING_SHARE` of a sequence's block, that whole block does both jobs (it is in V1 and in
V2), as every block does with ``stopping_fraction=0``.

``mode="sequences"`` (run-to-failure engines): the first ``round(train_fraction · S)`` sequences are the
train part, the last ``round(validation_fraction · that)`` of them validation, the rest test; V1 is the
first ``round(stopping_fraction · that)`` validation sequences (fallback as above when fewer than 2).

Validation and test segments carry ``context`` leading points (the ``window + horizon − 1`` values
before them, when they exist) so that their first points can be forecast; context is never scored. A
separate ``test`` data set (NASA's C-MAPSS test engines) may replace the test part: the whole data set
is then train + validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fedad.data.events import count_events, event_runs
from fedad.data.series import SeriesDataset
from fedad.data.windows import SeriesPart

SPLIT_MODES = ("time", "sequences")
VALIDATION_RULES = ("event", "tail")
MIN_STOPPING_SHARE = 0.1  # V1 shorter than this share of the validation block: one block for both jobs


@dataclass
class Split:
    """The three parts of a data set and, per sequence, which validation block was used and why."""

    fit: SeriesPart
    validation: SeriesPart  # V2: μ, Σ and ς
    test: SeriesPart
    blocks: list[dict] = field(default_factory=list)
    stopping: SeriesPart | None = None  # V1: early stopping and the learning rate; None: the validation part

    @property
    def stopping_part(self) -> SeriesPart:
        """The part early stopping reads: V1, or the validation part itself under the fallback."""
        return self.stopping if self.stopping is not None else self.validation

    def events(self) -> dict[str, dict]:
        """Events, anomalous points and points of each part (fit is reported as "train")."""
        out = {"train": count_events(self.fit.own_labels()),
               "validation": count_events(self.validation.own_labels()),
               "test": count_events(self.test.own_labels())}
        if self.stopping is not None:
            out["stopping"] = count_events(self.stopping.own_labels())
        return out


def _check_fractions(train_fraction: float, validation_fraction: float, rule: str, mode: str) -> None:
    if not 0.0 < train_fraction <= 1.0:
        raise ValueError(f"train_fraction must be in (0, 1], got {train_fraction}")
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    if rule not in VALIDATION_RULES:
        raise ValueError(f"validation rule must be one of {VALIDATION_RULES}, got {rule!r}")
    if mode not in SPLIT_MODES:
        raise ValueError(f"split mode must be one of {SPLIT_MODES}, got {mode!r}")


def validation_block(labels: np.ndarray, train_end: int, length: int, rule: str = "event") -> tuple[int, int, str]:
    """[start, end) of the validation block inside ``[0, train_end)`` and the rule that placed it."""
    if not 0 < length < train_end:
        raise ValueError(f"a validation block of {length} points does not fit a train part of {train_end}")
    tail = (train_end - length, train_end)
    if rule == "tail" or labels[tail[0] : tail[1]].any():
        return tail[0], tail[1], "tail"
    runs = event_runs(labels[:train_end])
    if not runs:
        return tail[0], tail[1], "tail (no training event)"
    a, b = runs[-1]
    start = a if b - a >= length else (a + b) // 2 - length // 2
    start = int(np.clip(start, 0, train_end - length))
    return start, start + length, f"block around the last training event [{a}, {b})"


def snap_to_events(labels: np.ndarray, start: int, end: int, train_end: int) -> tuple[int, int]:
    """Move block edges that fall inside an event outward to the event's boundaries (within the train part)."""
    while 0 < start < train_end and labels[start - 1] and labels[start]:
        start -= 1
    while 0 < end < train_end and labels[end - 1] and labels[end]:
        end += 1
    return start, end


def stopping_cut(labels: np.ndarray, start: int, end: int, fraction: float) -> tuple[int | None, str]:
    """Where V1 ends inside the block [start, end) (module docstring), or None for the shared fallback."""
    if fraction <= 0:
        return None, "one block for early stopping and μ, Σ, ς (stopping_fraction 0)"
    block = labels[start:end]
    cut = round(fraction * (end - start))
    while 0 < cut < len(block) and block[cut - 1] and block[cut]:
        cut -= 1  # back to the start of the event it would cut
    why = f"V1 = first {cut} points, V2 = the other {end - start - cut}"
    if block.any() and not block[cut:].any():
        cut = event_runs(block)[-1][0]
        why = f"V1 ends where the block's last event starts ({cut} points), so that V2 holds it"
    if cut < MIN_STOPPING_SHARE * (end - start):
        return None, (f"fallback: V1 would keep {cut} of {end - start} points; one block for early stopping and "
                      "μ, Σ, ς")
    return cut, why


def _segment(values, labels, name, src, a, b, context):
    lo = max(0, a - context)
    return values[lo:b], labels[lo:b], f"{name}[{a}:{b}]", a - lo, src


def _part(items: list[tuple]) -> SeriesPart:
    return SeriesPart([i[0] for i in items], [i[1] for i in items], [i[2] for i in items],
                      [i[3] for i in items], [i[4] for i in items])


def split_three_way(ds: SeriesDataset, train_fraction: float = 0.7, validation_fraction: float = 0.2,
                    mode: str = "time", validation: str = "event", context: int = 0,
                    test: SeriesDataset | None = None, stopping_fraction: float = 0.0) -> Split:
    """Split a data set into fit / (V1) / validation / test parts (see the module docstring)."""
    if test is not None:
        train_fraction = 1.0
    elif train_fraction >= 1.0:
        raise ValueError("train_fraction 1.0 leaves no test part; pass a separate test data set")
    _check_fractions(train_fraction, validation_fraction, validation, mode)
    if not 0.0 <= stopping_fraction < 1.0:
        raise ValueError(f"stopping_fraction must be in [0, 1), got {stopping_fraction}")
    fit, stop, val, tst, blocks = [], [], [], [], []
    if mode == "time":
        for i, (values, lab, name) in enumerate(zip(ds.sequences, ds.labels, ds.names, strict=True)):
            c = len(values) if test is not None else int(np.floor(train_fraction * len(values)))
            vlen = round(validation_fraction * c)
            start, end, why = validation_block(lab, c, vlen, validation)
            start, end = snap_to_events(lab, start, end, c)
            for a, b in ((0, start), (end, c)):
                if b > a:
                    fit.append(_segment(values, lab, name, i, a, b, 0))
            cut, stop_why = stopping_cut(lab, start, end, stopping_fraction)
            block = {"sequence": name, "train": [0, c], "validation": [start, end], "rule": why,
                     "stopping_rule": stop_why}
            if cut is None:  # this sequence's whole block does both jobs (stated in its block entry)
                stop.append(_segment(values, lab, name, i, start, end, context))
                val.append(_segment(values, lab, name, i, start, end, context))
            else:
                stop.append(_segment(values, lab, name, i, start, start + cut, context))
                val.append(_segment(values, lab, name, i, start + cut, end, context))
                block.update(stopping=[start, start + cut], calibration=[start + cut, end])
            if test is None:
                tst.append(_segment(values, lab, name, i, c, len(values), context))
            blocks.append(block)
    else:
        n = len(ds.sequences)
        k = n if test is not None else round(train_fraction * n)
        kv = max(1, round(validation_fraction * k))
        if not 0 < kv < k or (test is None and k >= n):
            raise ValueError(f"{ds.name}: {n} sequences cannot be split {train_fraction}/{validation_fraction} "
                             "by sequence")
        ks = round(stopping_fraction * kv)
        shared = not (1 <= ks < kv and ks >= MIN_STOPPING_SHARE * kv)
        for i, (values, lab, name) in enumerate(zip(ds.sequences, ds.labels, ds.names, strict=True)):
            if i < k - kv:
                fit.append((values, lab, name, 0, i))
            elif i < k:
                (stop if not shared and i < k - kv + ks else val).append((values, lab, name, 0, i))
        block = {"sequence": "all", "train": ds.names[0] + ".." + ds.names[k - 1],
                 "validation": ds.names[k - kv] + ".." + ds.names[k - 1], "rule": "last training sequences",
                 "stopping_rule": (f"fallback: {kv} validation sequences; one block for early stopping and μ, Σ, ς"
                                   if shared else f"V1 = the first {ks} validation sequences, V2 = the other {kv - ks}")}
        if not shared:
            block.update(stopping=ds.names[k - kv] + ".." + ds.names[k - kv + ks - 1],
                         calibration=ds.names[k - kv + ks] + ".." + ds.names[k - 1])
        blocks.append(block)
    if test is not None:
        offset = len(ds.sequences)
        tst = [(v, lab, nm, 0, offset + j) for j, (v, lab, nm) in
               enumerate(zip(test.sequences, test.labels, test.names, strict=True))]
    elif mode == "sequences":
        tst = [(v, lab, nm, 0, j) for j, (v, lab, nm) in enumerate(zip(ds.sequences, ds.labels, ds.names,
                                                                       strict=True)) if j >= k]
    if all("stopping" not in b for b in blocks):
        stop = []  # every block does both jobs: one validation part, as with stopping_fraction 0
    return Split(_part(fit), _part(val), _part(tst), blocks, _part(stop) if stop else None)


def split_at(ds: SeriesDataset, fit_end: int, train_end: int, context: int = 0) -> Split:
    """Split one sequence at known bounds: fit ``[0, fit_end)``, validation ``[fit_end, train_end)`` (the tail of
    a training part known to be normal, e.g. a UCR archive series), test ``[train_end, L)``; validation and
    test carry ``context`` points before them."""
    if len(ds.sequences) != 1:
        raise ValueError(f"{ds.name}: split_at cuts one sequence, got {len(ds.sequences)}")
    values, lab, name = ds.sequences[0], ds.labels[0], ds.names[0]
    if not 0 < fit_end < train_end < len(values):
        raise ValueError(f"{ds.name}: need 0 < fit_end {fit_end} < train_end {train_end} < length {len(values)}")
    return Split(_part([_segment(values, lab, name, 0, 0, fit_end, 0)]),
                 _part([_segment(values, lab, name, 0, fit_end, train_end, context)]),
                 _part([_segment(values, lab, name, 0, train_end, len(values), context)]),
                 [{"sequence": name, "train": [0, train_end], "validation": [fit_end, train_end],
                   "rule": "tail of the training part"}])
