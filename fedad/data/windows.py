"""Turn labelled sequences into model inputs: min–max scaling and forecast windows of the parts that
:mod:`fedad.data.splits` cuts (the 7:3 split).

A window j of a sequence x (length L) holds the inputs x[j : j+n] and the T-step forecast target
x[j+n : j+n+T] (Eq. 9). A window is labelled anomalous when any of its target points is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.preprocessing import MinMaxScaler


@dataclass
class SeriesPart:
    """One part of a data set (fit, validation or test): segments [L_i, D] and point labels [L_i].

    ``context[i]`` leading points of segment i are input context only: values that precede the part in
    time (so that its first points can be forecast from a full window), never scored and never counted.
    ``source[i]`` is the index of the data set sequence the segment was cut from.
    """

    sequences: list[np.ndarray]
    labels: list[np.ndarray]
    names: list[str]
    context: list[int] = field(default_factory=list)
    source: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.context:
            self.context = [0] * len(self.sequences)
        if not self.source:
            self.source = list(range(len(self.sequences)))

    @property
    def n_points(self) -> int:
        """Points that belong to the part (context excluded)."""
        return int(sum(len(s) - c for s, c in zip(self.sequences, self.context, strict=True)))

    def own_labels(self) -> list[np.ndarray]:
        """Each segment's labels without its context."""
        return [lab[c:] for lab, c in zip(self.labels, self.context, strict=True)]


def fit_scaler(train: SeriesPart) -> MinMaxScaler:
    """Min–max scaler to [0, 1] fitted on the training part only (the test part never leaks in)."""
    return MinMaxScaler(feature_range=(0.0, 1.0)).fit(np.concatenate(train.sequences, axis=0))


def fit_scalers(train: SeriesPart, per_sequence: bool) -> dict[int, MinMaxScaler] | MinMaxScaler:
    """One scaler for the whole part, or one per source sequence (records of different devices or
    patients with their own offsets, e.g. ECG), each fitted on that sequence's training segments only."""
    if not per_sequence:
        return fit_scaler(train)
    out = {}
    for src in dict.fromkeys(train.source):
        rows = [s for s, k in zip(train.sequences, train.source, strict=True) if k == src]
        out[src] = MinMaxScaler(feature_range=(0.0, 1.0)).fit(np.concatenate(rows, axis=0))
    return out


def scale_part(part: SeriesPart, scaler: MinMaxScaler | dict[int, MinMaxScaler]) -> SeriesPart:
    """Apply fitted scaler(s) to every segment of a part (validation / test values may leave [0, 1])."""
    def pick(src: int) -> MinMaxScaler:
        if not isinstance(scaler, dict):
            return scaler
        if src not in scaler:
            raise ValueError(f"sequence {src} has no training segment to fit its own scaler on")
        return scaler[src]

    scaled = [pick(k).transform(s).astype(np.float32) for s, k in zip(part.sequences, part.source, strict=True)]
    return SeriesPart(scaled, part.labels, part.names, list(part.context), list(part.source))


def make_windows(values: np.ndarray, n: int, horizon: int, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows of one sequence [L, D]: inputs [M, n, D] and targets [M, T, D]."""
    if n < 1 or horizon < 1 or stride < 1:
        raise ValueError(f"window n={n}, horizon={horizon}, stride={stride} must all be >= 1")
    if values.ndim != 2:
        raise ValueError(f"values must be [L, D], got shape {values.shape}")
    length = values.shape[0]
    m = length - n - horizon + 1
    if m < 1:
        raise ValueError(f"a sequence of length {length} is too short for n={n} and T={horizon}")
    view = np.lib.stride_tricks.sliding_window_view(values, n + horizon, axis=0)[::stride]  # [M, D, n+T]
    view = np.moveaxis(view, -1, 1)
    return np.ascontiguousarray(view[:, :n]), np.ascontiguousarray(view[:, n:])


def window_labels(labels: np.ndarray, n: int, horizon: int, stride: int = 1) -> np.ndarray:
    """Per-window labels: True when any of the window's T target points is anomalous."""
    view = np.lib.stride_tricks.sliding_window_view(labels, n + horizon)[::stride]
    return view[:, n:].any(axis=1)


@dataclass
class Windows:
    """All windows of a part, concatenated over its sequences, with where each came from."""

    x: np.ndarray  # [M, n, D]
    y: np.ndarray  # [M, T, D]
    labels: np.ndarray  # [M] bool
    sequence: np.ndarray  # [M] index of the source sequence
    start: np.ndarray  # [M] first input index inside that sequence

    def __len__(self) -> int:
        return len(self.x)


def windows_of(part: SeriesPart, n: int, horizon: int, stride: int = 1) -> Windows:
    """Windows of every sequence of a part (sequences too short for one window are skipped)."""
    xs, ys, labs, seqs, starts = [], [], [], [], []
    for i, (values, lab) in enumerate(zip(part.sequences, part.labels, strict=True)):
        if len(values) < n + horizon:
            continue
        x, y = make_windows(values, n, horizon, stride)
        xs.append(x)
        ys.append(y)
        labs.append(window_labels(lab, n, horizon, stride))
        seqs.append(np.full(len(x), i))
        starts.append(np.arange(len(x)) * stride)
    if not xs:
        raise ValueError(f"no sequence is long enough for n={n}, T={horizon}")
    return Windows(np.concatenate(xs), np.concatenate(ys), np.concatenate(labs), np.concatenate(seqs),
                   np.concatenate(starts))
