"""Published results on the UCR anomaly archive, for comparison with ours (never mixed into our numbers).

* **TSB-UAD** (Paparrizos et al., VLDB 2022): per-file AUC-PR and AUC-ROC of 12 detectors on 247 of the
  archive's files, read from the data directory (sha256-verified). TSB-UAD scores the **whole series**
  without a train/test split, so these are reference points, not the same protocol as ours.
* **UCR score** tables, as published (share of the archive's 250 series whose highest score falls near
  the anomaly). They are typed here from their sources, with the source named beside each.
"""

from __future__ import annotations

import pandas as pd

from fedad.data.datadir import verified_path

TSBUAD_FILES = {"pr_auc": "ucr_anomaly/published/tsbuad_kdd21_auc_pr.csv",
                "roc_auc": "ucr_anomaly/published/tsbuad_kdd21_auc_roc.csv"}
TSBUAD_DETECTORS = ("IFOREST", "LOF", "MP", "NORMA", "IFOREST1", "HBOS", "OCSVM", "PCA", "AE", "CNN", "LSTM", "POLY")
TSBUAD_NOTE = "TSB-UAD (whole series scored, no train/test split; 247 files)"

TSAD_UCR = "README of GitHub ralgond/TSAD-UCR (KDD Cup 2021 solutions, of the 250 series)"
KDD_CUP = "KDD Cup 2021 leaderboard, as quoted in fedad's issue 25"
# detector -> (UCR score in % of 250 series, source). The rule behind them is the KDD Cup's (±100 points),
# the competition these solutions were written for; their code was not re-run here.
PUBLISHED_UCR_SCORE = {
    "genta (KDD Cup solution)": (83.6, TSAD_UCR),
    "matrix profile": (52.8, TSAD_UCR),
    "LOF": (42.8, TSAD_UCR),
    "vanilla autoencoder": (29.2, TSAD_UCR),
    "Isolation Forest": (23.6, TSAD_UCR),
    "KDD Cup 2021, 5th place": (86.8, KDD_CUP),
}


def tsbuad_table(metric: str) -> pd.DataFrame:
    """TSB-UAD's per-file scores in percent, one row per archive file name (``NNN_UCR_Anomaly_…txt``)."""
    if metric not in TSBUAD_FILES:
        raise KeyError(f"TSB-UAD publishes {sorted(TSBUAD_FILES)}, not {metric!r}")
    frame = pd.read_csv(verified_path(TSBUAD_FILES[metric]))
    out = frame.set_index("filename")[list(TSBUAD_DETECTORS)].astype(float) * 100.0
    return out
