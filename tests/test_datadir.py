import pytest

from fedad.data import datadir
from fedad.data.datadir import ChecksumMismatchError, DataMissingError, verified_path


def test_fedad_data_env_var_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DATA", str(tmp_path))
    assert datadir.data_dir() == tmp_path


def test_without_env_uses_shared_data_beside_repo_or_cache(monkeypatch):
    monkeypatch.delenv("FEDAD_DATA", raising=False)
    shared = datadir.REPO_ROOT.parent / "shared" / "data"
    assert datadir.data_dir() == (shared if shared.is_dir() else datadir.CACHE_DIR)


def test_missing_file_error_names_dataset_file_path_and_source(fake_data):
    with pytest.raises(DataMissingError) as info:
        verified_path("power_demand/power_data.txt")
    msg = str(info.value)
    assert "power_demand" in msg and "power_data.txt" in msg and str(fake_data.root) in msg
    assert "eamonn" in msg  # where the data comes from
    assert "`fedad data fetch power_demand`" in msg and "\n" not in msg


def test_loader_finds_a_fetched_file_when_the_data_directory_lacks_it(fake_data, monkeypatch, tmp_path):
    fetched = tmp_path / "fetched"
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(fetched))
    assert datadir.search_dirs() == [fake_data.root, fetched]
    fake_data.write("power_demand/power_data.txt", "1\n2\n")
    (fetched / "power_demand").mkdir(parents=True)
    (fake_data.root / "power_demand/power_data.txt").rename(fetched / "power_demand/power_data.txt")
    assert verified_path("power_demand/power_data.txt") == fetched / "power_demand/power_data.txt"


def test_fetch_dir_is_the_named_data_folder_else_the_download_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("FEDAD_DOWNLOAD_DIR", raising=False)
    monkeypatch.setenv("FEDAD_DATA", str(tmp_path / "mine"))
    assert datadir.fetch_dir() == tmp_path / "mine"
    monkeypatch.delenv("FEDAD_DATA")
    assert datadir.fetch_dir() == datadir.download_dir()  # never the shared folder beside the repository


def test_a_source_copy_named_by_its_own_hash_is_accepted(fake_data):
    import hashlib

    from fedad.data import manifest

    path = fake_data.write("fashion_mnist/t10k-labels-idx1-ubyte.gz", b"zalando bytes", register=False)
    entry = fake_data.files["fashion_mnist/t10k-labels-idx1-ubyte.gz"]
    assert entry.alt_hashes  # the manifest names Zalando's own copy
    md5 = hashlib.md5(b"zalando bytes").hexdigest()
    fake_data.files[entry.path] = manifest.FileEntry(entry.path, entry.sha256, entry.dataset, entry.source,
                                                     alt_hashes=(f"md5:{md5}",))
    assert verified_path(entry.path) == path
    fake_data.files[entry.path] = manifest.FileEntry(entry.path, entry.sha256, entry.dataset, entry.source,
                                                     alt_hashes=("md5:" + "0" * 32,))
    datadir._VERIFIED.clear()
    with pytest.raises(ChecksumMismatchError):
        verified_path(entry.path)


def test_checksum_mismatch_names_both_hashes(fake_data):
    fake_data.write("power_demand/power_data.txt", "1\n2\n", register=False)
    expected = fake_data.files["power_demand/power_data.txt"].sha256
    with pytest.raises(ChecksumMismatchError) as info:
        verified_path("power_demand/power_data.txt")
    actual = datadir.sha256_of(fake_data.root / "power_demand/power_data.txt")
    assert expected in str(info.value) and actual in str(info.value)


def test_verified_file_is_returned_and_a_later_change_is_caught(fake_data):
    path = fake_data.write("power_demand/power_data.txt", "1\n2\n")
    assert verified_path("power_demand/power_data.txt") == path
    path.write_text("1\n3\n")  # same size, new content: mtime changes, so it is hashed again
    import os
    os.utime(path, ns=(1, 1))
    with pytest.raises(ChecksumMismatchError):
        verified_path("power_demand/power_data.txt")


def test_unknown_file_is_rejected():
    with pytest.raises(KeyError, match="not a file fedad knows"):
        verified_path("nowhere/file.txt")


def test_old_engine_copy_is_named_as_a_different_version(fake_data, monkeypatch):
    from fedad.data.manifest import SUPERSEDED

    old_hash = next(h for h, (rel, _) in SUPERSEDED.items() if rel == "engine_cmapss/train_FD001.txt")
    fake_data.write("engine_cmapss/train_FD001.txt", "1 1\n", register=False)
    # the fake file cannot have the old copy's bytes; its hash is made to read as the old one
    monkeypatch.setattr(datadir, "sha256_of", lambda path, chunk=1 << 20: old_hash)
    with pytest.raises(ChecksumMismatchError) as info:
        verified_path("engine_cmapss/train_FD001.txt")
    msg = str(info.value)
    assert "different version" in msg and "90 training engines" in msg and "nasa" in msg.lower()
