"""``fedad data fetch`` against a loopback mirror (127.0.0.1 only): layout, verification, refusal of wrong
bytes, resuming, conversions, the CIFAR-10 archive, offline mode and the status table."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import pytest

from fedad.data import datadir, manifest
from fedad.data.datadir import ChecksumMismatchError, DataMissingError, verified_path
from fedad.data.fetch import STAGING, fetch
from tests.http_mirror import serve

SHARED = datadir.REPO_ROOT.parent / "shared" / "data"
POWER = "power_demand/power_data.txt"


def register(fake_data, relpath: str, content: bytes, mirror_root: Path, **fields) -> manifest.FileEntry:
    """Put ``content`` on the mirror and make it the manifest's bytes for ``relpath``."""
    (mirror_root / relpath).parent.mkdir(parents=True, exist_ok=True)
    (mirror_root / relpath).write_bytes(content)
    old = fake_data.files[relpath]
    entry = dataclasses.replace(old, sha256=hashlib.sha256(content).hexdigest(), size=len(content), **fields)
    fake_data.files[relpath] = entry
    return entry


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_fetch_from_a_mirror_lays_out_and_verifies(fake_data, mirror_dir, monkeypatch):
    content = b"".join(f"{i}\n".encode() for i in range(500))
    register(fake_data, POWER, content, mirror_dir)
    with serve(mirror_dir) as mirror:
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url + "/")
        [out] = fetch(["power_demand"])
        assert out.fetched == [POWER] and not out.failed
        assert (fake_data.root / POWER).read_bytes() == content
        assert verified_path(POWER) == fake_data.root / POWER
        [again] = fetch(["power_demand"])  # a verified file is not downloaded again
    assert again.present == [POWER] and len(mirror.requests) == 1
    assert leftovers(fake_data.root) == ["power_demand"]  # no staging folder left behind


def test_a_wrong_hash_is_refused_and_nothing_is_left_in_place(fake_data, mirror_dir, monkeypatch):
    register(fake_data, POWER, b"1\n2\n3\n", mirror_dir)
    (mirror_dir / POWER).write_bytes(b"1\n2\n4\n")  # the mirror now serves other bytes
    with serve(mirror_dir) as mirror:
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        with pytest.raises(ChecksumMismatchError, match="nothing was written") as info:
            fetch(["power_demand"])
    assert "\n" not in str(info.value)
    assert leftovers(fake_data.root / "power_demand") == []
    with pytest.raises(DataMissingError):
        verified_path(POWER)


def test_an_interrupted_download_resumes_where_it_stopped(fake_data, mirror_dir, monkeypatch):
    content = bytes(range(256)) * 8  # 2048 bytes
    register(fake_data, POWER, content, mirror_dir)
    with serve(mirror_dir) as mirror:
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        mirror.cut_responses(POWER, times=4, after=300)  # the first try and its 3 retries all break
        [out] = fetch(["power_demand"])
        assert "interrupted after 1200 bytes" in out.failed[0] and "resume" in out.failed[0]
        assert not (fake_data.root / POWER).exists()  # no half file where the loader reads
        assert (fake_data.root / STAGING / f"{POWER}.part").stat().st_size == 1200
        [out] = fetch(["power_demand"])  # a second run continues the same .part file
    assert out.fetched == [POWER]
    assert [r for _, r in mirror.requests] == [None, "bytes=300-", "bytes=600-", "bytes=900-", "bytes=1200-"]
    assert (fake_data.root / POWER).read_bytes() == content
    assert not (fake_data.root / STAGING / f"{POWER}.part").exists()


def test_a_gzipped_source_is_unpacked_and_must_hash_to_the_manifest(fake_data, mirror_dir):
    rel = "MNIST/raw/t10k-labels-idx1-ubyte"
    raw = bytes(range(200))
    (mirror_dir / "t10k.gz").write_bytes(gzip.compress(raw, mtime=0))
    md5 = hashlib.md5((mirror_dir / "t10k.gz").read_bytes()).hexdigest()
    with serve(mirror_dir) as mirror:
        entry = dataclasses.replace(fake_data.files[rel], sha256=hashlib.sha256(raw).hexdigest(),
                                    url=f"{mirror.url}/t10k.gz", url_hash=f"md5:{md5}", convert="gunzip")
        for other in [p for p, e in fake_data.files.items() if e.dataset == "mnist"]:
            fake_data.files.pop(other)
        fake_data.files[rel] = entry
        [out] = fetch(["mnist"])
        assert out.fetched == [rel] and (fake_data.root / rel).read_bytes() == raw
        assert leftovers(fake_data.root / STAGING / "MNIST/raw") == []  # the .gz is removed once unpacked
        (fake_data.root / rel).unlink()
        fake_data.files[rel] = dataclasses.replace(entry, sha256="0" * 64)  # the unpacked bytes are not fedad's
        with pytest.raises(ChecksumMismatchError, match="converted"):
            fetch(["mnist"])
    assert leftovers(fake_data.root / "MNIST/raw") == []


@pytest.mark.skipif(shutil.which("gzip") is None, reason="GNU gzip not on PATH")
def test_an_uncompressed_ucr_source_is_gzipped_as_the_data_folder_holds_it(fake_data, mirror_dir):
    name = "001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt"
    rel = f"ucr_anomaly/{name}.gz"
    text = b"".join(f"  {v:.7e}\r\n".encode() for v in range(2000))
    (mirror_dir / name).write_bytes(text)
    # what `gzip -n -9` makes: GNU gzip's bytes, which the manifest's sha256 of the real file also records
    expected = __import__("subprocess").run(["gzip", "-n", "-9", "-c"], input=text, capture_output=True).stdout
    with serve(mirror_dir) as mirror:
        real = fake_data.files[rel]
        for other in [p for p, e in fake_data.files.items() if e.dataset == "ucr_anomaly"]:
            fake_data.files.pop(other)
        fake_data.files[rel] = dataclasses.replace(
            real, sha256=hashlib.sha256(expected).hexdigest(), url=f"{mirror.url}/{name}",
            url_hash=f"sha256:{hashlib.sha256(text).hexdigest()}")
        [out] = fetch(["ucr_anomaly"])
    assert out.fetched == [rel] and gzip.decompress((fake_data.root / rel).read_bytes()) == text


def test_real_ucr_entry_names_the_uncompressed_source_and_its_hash():
    entry = manifest.FILES["ucr_anomaly/001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt.gz"]
    assert entry.convert == "gzip" and entry.url.endswith("001_UCR_Anomaly_DISTORTED1sddb40_35000_52000_52620.txt")
    assert entry.url_hash == "sha256:e064e98e0b41d117f666945459671d3eec014ff9ac2457401befd8a244b9b93f"


def _tarball(folder: str, files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_cifar10_fetches_the_original_archive_and_unpacks_it(fake_data, mirror_dir, monkeypatch):
    archive = _tarball("cifar-10-batches-py", {"data_batch_1": b"pixels", "batches.meta": b"meta"})
    (mirror_dir / "c.tar.gz").write_bytes(archive)
    with serve(mirror_dir) as mirror:
        monkeypatch.setitem(manifest.ARCHIVES, "cifar10", dataclasses.replace(
            manifest.ARCHIVES["cifar10"], url=f"{mirror.url}/c.tar.gz",
            known_hash=f"md5:{hashlib.md5(archive).hexdigest()}"))
        [out] = fetch(["cifar10"])
    assert out.fetched == ["cifar-10-batches-py"]
    assert (fake_data.root / "cifar-10-batches-py/data_batch_1").read_bytes() == b"pixels"
    assert leftovers(fake_data.root / STAGING) == []


def test_a_mirror_without_the_cifar10_original_serves_the_jpeg_copy(fake_data, mirror_dir, monkeypatch):
    for rel in [p for p, e in fake_data.files.items() if e.dataset == "cifar10"]:
        register(fake_data, rel, f"copy of {rel}".encode(), mirror_dir)
    with serve(mirror_dir) as mirror:
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        [out] = fetch(["cifar10"])
    assert sorted(out.fetched) == sorted(p for p, e in fake_data.files.items() if e.dataset == "cifar10")
    assert mirror.requests[0][0] == "cifar-10-python.tar.gz"  # the original was asked for first


def test_a_file_without_a_public_source_needs_a_mirror(fake_data, monkeypatch):
    monkeypatch.delenv("FEDAD_DATA_MIRROR", raising=False)
    [out] = fetch(["mnist10k"])
    assert out.mirror_only == ["mnist/mnist_npm10k.npz"] and not out.failed
    assert not (fake_data.root / "mnist").exists()


def test_published_tables_are_the_kdd21_rows_of_tsbuad_table(fake_data, mirror_dir):
    rel = "ucr_anomaly/published/tsbuad_kdd21_auc_pr.csv"
    table = b"filename,IFOREST,dataset,len\r\na.out,0.5,ECG,9\r\n001_x.txt,0.4,KDD21,7\r\nb.out,0.1,YAHOO,8\r\n"
    (mirror_dir / "merged.csv").write_bytes(table)
    with serve(mirror_dir) as mirror:
        kept = b"filename,IFOREST,dataset,len\r\n001_x.txt,0.4,KDD21,7\r\n"
        real = fake_data.files[rel]
        for other in [p for p, e in fake_data.files.items() if e.dataset == "ucr_anomaly"]:
            fake_data.files.pop(other)
        fake_data.files[rel] = dataclasses.replace(real, sha256=hashlib.sha256(kept).hexdigest(),
                                                   url=f"{mirror.url}/merged.csv",
                                                   url_hash=f"sha256:{hashlib.sha256(table).hexdigest()}")
        [out] = fetch(["ucr_anomaly"])
    assert real.convert == "kdd21" and out.fetched == [rel] and (fake_data.root / rel).read_bytes() == kept


@pytest.mark.skipif(not (SHARED / POWER).is_file(), reason="../shared/data not present")
def test_real_small_data_sets_fetch_from_a_mirror_of_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FEDAD_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("FEDAD_DOWNLOAD_DIR", raising=False)
    datadir._VERIFIED.clear()
    with serve(SHARED) as mirror:  # served read-only, straight from the folder
        monkeypatch.setenv("FEDAD_DATA_MIRROR", mirror.url)
        outs = fetch(["power_demand", "space_shuttle"])
    assert [len(o.fetched) for o in outs] == [1, 3] and not any(o.failed for o in outs)
    from fedad.data.keogh import load_space_shuttle

    assert [len(s) for s in load_space_shuttle().sequences] == [5000, 5000, 5000]
