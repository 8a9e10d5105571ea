"""fedad's own files ship in the package and are read from there, not from the data folder."""

import hashlib

from fedad.data import own_files
from fedad.data.series import load_interval_labels


def test_packaged_labels_are_the_reference_copy():
    digest = hashlib.sha256(own_files.LABELS.read_bytes()).hexdigest()
    assert digest == own_files.LABELS_SHA256


def test_interval_labels_load_without_any_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DATA", str(tmp_path / "empty"))
    labels = load_interval_labels()
    assert labels["power_demand/power_data.txt"] == [[8254, 8998], [11348, 12143], [33883, 34601]]
    assert not any(key.startswith("_") for key in labels)


def test_labels_json_is_no_longer_a_data_folder_file():
    from fedad.data.manifest import FILES

    assert "labels.json" not in FILES
