"""fedad — reproduction of Liu et al. (2020): communication-efficient on-device federated learning
for deep anomaly detection on industrial IoT time series.

Subpackages: ``data`` (real data sets, windows, partitions), ``models`` (AMCNN-LSTM and baselines),
``compression`` (Algorithm 1: top-ρ% with local accumulation and momentum correction, codec),
``federated`` (virtual workers, cloud aggregator, the training loop), ``detection`` (Eq. 10 scores,
F_θ threshold, metrics), ``training`` (centralised training), ``results`` (atomic, cached results).
"""

from fedad._version import __version__

__all__ = ["__version__"]
