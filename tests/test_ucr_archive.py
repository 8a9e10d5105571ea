"""The UCR archive loader: file names (1-based → 0-based), families, selection, sha256 and bad files, on
tiny gzipped files with the archive's naming; and the real files when the data directory has them."""

import gzip

import numpy as np
import pytest

from fedad.data import ucr_archive as ucr
from fedad.data.datadir import ChecksumMismatchError, DataMissingError, MalformedDataError
from tests.conftest import real_data_available

NAME = "901_UCR_Anomaly_DISTORTEDtinyECG12_30_41_45.txt.gz"


def _gz(values, per_line: int = 1) -> bytes:
    rows = [" ".join(f"{v:.4f}" for v in values[i : i + per_line]) for i in range(0, len(values), per_line)]
    return gzip.compress(("\r\n".join(rows) + "\r\n").encode(), mtime=0)


@pytest.fixture
def tiny(fake_data):
    values = np.sin(np.arange(60) / 3.0)
    fake_data.write(f"{ucr.FOLDER}/{NAME}", _gz(values))
    fake_data.write(f"{ucr.FOLDER}/902_UCR_Anomaly_NOISEtinyECG3_20_25_26.txt.gz", _gz(values[:40], per_line=40))
    return fake_data, values


def test_the_file_name_gives_a_0_based_half_open_training_part_and_anomaly():
    meta = ucr.parse_filename(NAME)
    assert (meta.id, meta.name, meta.train_end) == (901, "DISTORTEDtinyECG12", 30)
    assert (meta.begin, meta.end, meta.anomaly_length) == (40, 45, 5)  # points 41..45, 1-based inclusive
    assert meta.filename == NAME.removesuffix(".gz")


@pytest.mark.parametrize("bad", ["001_UCR_Anomaly_x_10_20.txt", "UCR_Anomaly_x_1_2_3.txt", "001_UCR_Anomaly_x_50_20_30.txt"])
def test_a_malformed_name_is_refused_in_one_line(bad):
    with pytest.raises(ValueError, match=r"UCR|train_end") as info:
        ucr.parse_filename(bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("name", "family"), [("DISTORTED2sddb40", "sddb"), ("NOISEBIDMC1", "BIDMC"),
                                              ("CIMIS44AirTemperature3", "CIMIS44AirTemperature"),
                                              ("weallwalk", "weallwalk"), ("DISTORTEDltstdbs30791ES", "ltstdbs30791ES")])
def test_the_family_drops_the_variant_marker_and_record_digits(name, family):
    assert ucr.family_of(name) == family


def test_a_tiny_file_loads_with_its_labels_whatever_its_line_layout(tiny):
    _, values = tiny
    s = ucr.load_ucr(901)
    np.testing.assert_allclose(s.values, values, atol=1e-4)
    assert np.flatnonzero(s.labels()).tolist() == [40, 41, 42, 43, 44]
    one_line = ucr.load_ucr(902)  # the archive has files whose values are all on one line
    assert len(one_line.values) == 40 and np.flatnonzero(one_line.labels()).tolist() == [24, 25]


def test_selection_by_id_and_by_family(tiny):
    assert [f.id for f in ucr.select(families=["tinyECG"])] == [901, 902]
    assert [f.id for f in ucr.select([902])] == [902]


def test_a_missing_or_unknown_id_is_named(tiny):
    with pytest.raises(KeyError, match="UCR series 213: not one of"):
        ucr.select([213])
    with pytest.raises(KeyError, match="ids run from 1 to 250"):
        ucr.select([999])
    fake, _ = tiny
    (fake.root / ucr.FOLDER / NAME).unlink()
    with pytest.raises(DataMissingError, match="UCR series 901 "):
        ucr.load_ucr(901)


def test_an_altered_file_fails_its_sha256_and_garbage_is_malformed(tiny):
    fake, values = tiny
    path = fake.root / ucr.FOLDER / NAME
    path.write_bytes(_gz(values + 1))
    with pytest.raises(ChecksumMismatchError):
        ucr.load_ucr(901)
    fake.write(f"{ucr.FOLDER}/{NAME}", gzip.compress(b"1.0\nnot-a-number\n", mtime=0))
    with pytest.raises(MalformedDataError, match="not a readable series"):
        ucr.load_ucr(901)
    fake.write(f"{ucr.FOLDER}/{NAME}", _gz(values[:42]))
    with pytest.raises(MalformedDataError, match="anomaly ends at 45"):
        ucr.load_ucr(901)


def test_the_manifest_knows_234_of_the_250_files():
    known = ucr.catalogue()
    assert len(known) == 234 and len({f.id for f in known}) == 234
    assert not {213, 221, 239, 246} & {f.id for f in known}  # the absent largest files


@pytest.mark.skipif(not real_data_available(f"{ucr.FOLDER}/004_UCR_Anomaly_DISTORTEDBIDMC1_2500_5400_5600.txt.gz"),
                    reason="UCR archive not in the data directory")
def test_a_real_series_matches_its_published_length_and_anomaly():
    s = ucr.load_ucr(4)
    assert len(s.values) == 11000 and s.meta.train_end == 2500
    assert (s.meta.begin, s.meta.end) == (5399, 5600) and s.labels().sum() == 201
