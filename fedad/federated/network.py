"""Modelled transfer time of a round over the edge link (see :class:`LinkConfig`)."""

from __future__ import annotations

import numpy as np

from fedad.federated.config import LinkConfig


def upload_seconds(link: LinkConfig, nbytes: int) -> float:
    return link.latency_ms / 1000.0 + 8.0 * nbytes / (link.uplink_mbps * 1e6)


def download_seconds(link: LinkConfig, nbytes: int) -> float:
    return link.latency_ms / 1000.0 + 8.0 * nbytes / (link.downlink_mbps * 1e6)


def round_link_seconds(link: LinkConfig, bytes_up: list[int], bytes_down: int) -> float:
    """Parallel uploads (the slowest worker bounds the round), then one broadcast to all."""
    up = max((upload_seconds(link, b) for b in bytes_up), default=0.0)
    down = download_seconds(link, bytes_down) if bytes_down else 0.0
    return up + down


def bandwidth_grid(low_mbps: float, high_mbps: float, points: int = 41) -> np.ndarray:
    """Log-spaced uplink bandwidths for the sweep; the range must be positive and increasing."""
    if not (np.isfinite(low_mbps) and np.isfinite(high_mbps) and 0 < low_mbps < high_mbps):
        raise ValueError(f"bandwidth sweep range must be positive and increasing, got {low_mbps}..{high_mbps} Mbit/s")
    if points < 2:
        raise ValueError(f"a sweep needs at least 2 points, got {points}")
    return np.logspace(np.log10(low_mbps), np.log10(high_mbps), points)


def per_round_seconds(compute_s: float, up_bytes: float, down_bytes: float, uplink_mbps: np.ndarray | float,
                      downlink_factor: float = 10.0, latency_ms: float = 50.0) -> np.ndarray:
    """Modelled seconds of one round at each uplink bandwidth: compute, then the slowest upload (``up_bytes``
    is the largest worker's) and the broadcast, each paying the one-way latency. The downlink runs at
    ``downlink_factor`` × the uplink (cellular links are asymmetric)."""
    up = np.asarray(uplink_mbps, dtype=float)
    lat = latency_ms / 1000.0
    return compute_s + lat + 8.0 * up_bytes / (up * 1e6) + (lat + 8.0 * down_bytes / (up * downlink_factor * 1e6)
                                                            if down_bytes else 0.0)


def ranges_at_or_below(x: np.ndarray, y: np.ndarray, level: float) -> list[tuple[float, float]]:
    """The [from, to] stretches of a sampled curve y(x) where y ≤ level (ends interpolated in log x)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    below = y <= level
    out, start = [], None
    for i in range(len(x)):
        if below[i] and start is None:
            start = x[0] if i == 0 else _cross(x[i - 1], x[i], y[i - 1], y[i], level)
        if not below[i] and start is not None:
            out.append((float(start), float(_cross(x[i - 1], x[i], y[i - 1], y[i], level))))
            start = None
    if start is not None:
        out.append((float(start), float(x[-1])))
    return out


def _cross(x0, x1, y0, y1, level):
    if y1 == y0:
        return x1
    t = (level - y0) / (y1 - y0)
    return float(10 ** (np.log10(x0) + t * (np.log10(x1) - np.log10(x0))))
