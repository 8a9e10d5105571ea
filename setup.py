"""fedad: a reproduction package of Liu et al. (IEEE IoT-J 2020), communication-efficient on-device
federated learning for time-series anomaly detection in industrial IoT."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = {}
exec((HERE / "fedad" / "_version.py").read_text(), VERSION)

# The one list of requirements: make installs them (requirements/install.py, under requirements/constraints.txt)
# and environment.yml installs this package with them. Literals, so that tests/test_dependencies.py reads them
# without running setup().
PYTHON_REQUIRES = ">=3.10"
INSTALL_REQUIRES = [
    "torch>=2.1",
    "torchvision>=0.16",
    "numpy>=1.24",
    "pandas>=2.0",
    "scipy>=1.10",
    "scikit-learn>=1.3",
    "matplotlib>=3.7",
    "seaborn>=0.13",
    "tqdm>=4.60",
    "pyyaml>=6.0",
    "pydantic>=2.5",  # the typed experiment configs (fedad/experiments/schema.py)
    "tabulate>=0.9",
    "stumpy>=1.12",
    # VUS-PR / VUS-ROC from their authors' package (TSB-AD's needs numpy < 2); it pulls TensorFlow for
    # its own detectors, which fedad never imports
    "vus>=0.0.6,<0.1",
    "pooch>=1.8",
    "requests>=2.19",
]
EXTRAS_REQUIRE = {
    "syft": ["syft>=0.10,<0.11", "syft-rds>=0.6,<0.7"],
    "flower": ["flwr[simulation]>=1.41,<1.42", "cryptography>=42", "psutil>=5.9"],
    "dev": [
        "pytest>=7.4",
        "pytest-xdist>=3.5",
        "pytest-benchmark>=4.0",
        "ruff>=0.4",
        "nbclient>=0.9",
        "nbformat>=5.9",
        "ipykernel>=6.25",
        "hypothesis>=6.100",
    ],
}

setup(
    name="fedad",
    version=VERSION["__version__"],
    description=(
        "Reproduction of 'Deep Anomaly Detection for Time-series Data in Industrial IoT: a "
        "Communication-Efficient On-device Federated Learning Approach' (Liu et al., 2020)"
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=PYTHON_REQUIRES,
    packages=find_packages(include=["fedad", "fedad.*"]),
    package_data={"fedad": ["py.typed"], "fedad.data": ["*.json"],
                  "fedad.experiments": ["configs/*/*.yaml"]},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    entry_points={"console_scripts": ["fedad=fedad.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
