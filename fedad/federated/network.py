"""Modelled transfer time of a round over the edge link (see :class:`LinkConfig`)."""

from __future__ import annotations

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
