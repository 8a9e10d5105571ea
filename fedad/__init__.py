"""fedad — reproduction of Liu et al. (2020): communication-efficient on-device federated learning
for deep anomaly detection on industrial IoT time series.

Subpackages: ``data`` (real data sets, windows, partitions), ``models`` (AMCNN-LSTM and baselines),
``compression`` (the contracts Algorithm 1 is built from: compressors, memories, clipping, codec),
``federated`` (Algorithm 1 itself in ``federated.algorithm1``, virtual workers, cloud aggregator, the
training loop, engines and back-ends), ``detection`` (Eq. 10 scores,
F_θ threshold, metrics), ``training`` (centralised training), ``results`` (atomic, cached results).
"""

from fedad._version import __version__

__all__ = ["__version__"]
