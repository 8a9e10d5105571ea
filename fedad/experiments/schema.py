"""The typed schema of every experiment's config (pydantic v2), checked once when a config is loaded and
again after ``--set`` overrides: a wrong key or value is one line naming the key, the value and what is
allowed. The experiments then read the checked mapping (the run records, and so their hashes, are the
same as from the YAML file).

A value given "per data set" is either one value or a mapping ``{default: v, <data set>: v, ...}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

NonNegInt = Annotated[int, Field(ge=0)]
PosInt = Annotated[int, Field(gt=0)]
PosFloat = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]


def _per_dataset(kind):
    return kind | dict[str, kind]


class ConfigError(ValueError):
    """A config file or override that fedad cannot run (one line: the source, the key, what is wrong)."""


class Strict(BaseModel):
    """A block whose keys are all known: an unknown key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", strict=False)


def _federated_fields(value: Any) -> Any:
    """Before the type check of a ``federated`` block (whole or a variant's partial one): every key must be
    a :class:`FederatedConfig` field; null stands for "the experiment sets it" (rounds from an epoch
    budget), so the field's default is what gets checked."""
    from dataclasses import fields

    from fedad.federated.config import FederatedConfig

    if not isinstance(value, dict):
        raise ValueError(f"must be a mapping of federated settings, got {value!r}")  # noqa: TRY004 — pydantic reports ValueError, not TypeError
    known = {f.name for f in fields(FederatedConfig)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError(f"unknown federated settings {unknown}; known: {sorted(known)}")
    return {k: v for k, v in value.items() if v is not None}


def _federated_type():
    from fedad.federated.config import FederatedConfig

    # the dataclass's own __post_init__ checks (compressor, memory, ρ range, ...) run as its validator
    return Annotated[FederatedConfig, BeforeValidator(_federated_fields)]


FederatedBlock = _federated_type()


class _HasFederated(Strict):
    federated: FederatedBlock


class Budget(Strict):
    """Epoch caps, patience and the minimum, each per data set."""

    max_epochs: _per_dataset(PosInt)
    patience: _per_dataset(NonNegInt)
    min_epochs: _per_dataset(NonNegInt) = 0


class Train(Strict):
    batch_size: PosInt
    momentum: Fraction = 0.9
    optimizer: Literal["sgd", "adam"] = "sgd"


LearningRates = dict[str, PosFloat]


class Variant(Strict):
    training: Literal["centralised", "federated", "local", "none"] = "centralised"
    federated: FederatedBlock | None = None
    budget: dict | None = None
    eq9: dict | None = None


class PlanEntry(Strict):
    models: list[str] = Field(min_length=1)
    variants: list[str] = Field(min_length=1)
    datasets: list[str] | None = None
    seeds: list[NonNegInt] | None = None


class Svm(Strict):
    max_train: _per_dataset(PosInt)
    C: PosFloat = 1.0
    epsilon: Annotated[float, Field(ge=0)] = 0.01


class TrainSearch(Strict):
    seed: NonNegInt = 0
    datasets: list[str]
    share: dict[str, str] = {}
    variants: list[str]
    grid: dict[Literal["centralised", "federated"], dict[Literal["sgd", "adam"], list[PosFloat]]]
    budget: Budget
    cap_factor: PosFloat = 1.5


class LrSweep(Strict):
    """The one-seed learning-rate sweep on V1 loss (quick profile's rates; superseded by train_search)."""

    seed: NonNegInt = 0
    dataset: str | None = None
    variants: list[str] = []
    values: list[PosFloat] = Field(min_length=1)
    max_epochs: PosInt | None = None
    models: dict[str, list[str]] = {}


class Base(Strict):
    experiment: str
    seeds: list[NonNegInt] = Field(min_length=1)
    profile: str | None = None
    config_file: str | None = None


def _known_models(names: list[str]) -> list[str]:
    from fedad.models import CLASSIFIERS, FORECASTERS

    known = set(FORECASTERS) | set(CLASSIFIERS)
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown models {unknown}; known: {sorted(known)}")
    return names


def _known_compressor(name: str) -> str:
    from fedad.compression import COMPRESSORS

    if name not in COMPRESSORS:
        raise ValueError(f"unknown compressor; known: {', '.join(COMPRESSORS)}")
    return name


CompressorName = Annotated[str, AfterValidator(_known_compressor)]


class Detect(_HasFederated, Base):
    experiment: Literal["detect"]
    datasets: list[str] = Field(min_length=1)
    protocol: dict[str, dict] = {}
    window: dict[str, PosInt] | None = {}
    horizon: PosInt
    headline_rule: Literal["false_alarm", "max_f"] = "false_alarm"
    theta: PosFloat
    min_precision: Fraction
    fallback_percentile: Annotated[float, Field(gt=0, le=100)]
    checkpoint_every: Annotated[float, Field(ge=0)] = 0
    fit_stride: _per_dataset(PosInt) = 1
    budget: Budget
    lr: LearningRates
    train_search: TrainSearch | None = None
    lr_sweep: LrSweep | None = None
    train: Train
    variants: dict[str, Variant]
    plan: list[PlanEntry] = Field(min_length=1)
    allow_no_test_anomaly: list[str] = []
    model_kwargs: dict[str, dict] = {}
    svm: Svm

    @model_validator(mode="after")
    def _plan_names_known_variants_and_models(self):
        if self.lr_sweep is not None and self.train_search is not None:
            raise ValueError("the config gives both lr_sweep and train_search: keep one (train_search searches η too)")
        for i, entry in enumerate(self.plan):
            missing = sorted(set(entry.variants) - set(self.variants))
            if missing:
                raise ValueError(f"plan[{i}] names variants {missing}; known: {sorted(self.variants)}")
            _known_models(entry.models)
        return self


class Link(Strict):
    uplink_mbps: PosFloat
    downlink_mbps: PosFloat
    latency_ms: Annotated[float, Field(ge=0)]


class Sweep(Strict):
    low_mbps: PosFloat
    high_mbps: PosFloat
    points: PosInt
    downlink_factor: PosFloat
    latency_ms: Annotated[float, Field(ge=0)]


class TwoWay(Strict):
    models: list[str]
    downlink_rho: Annotated[float, Field(gt=0, le=100)]


class Comm(_HasFederated, Base):
    experiment: Literal["comm"]
    dataset: str
    models: list[str] = Field(min_length=1)
    compressors: list[CompressorName] = Field(min_length=1)
    two_way: TwoWay | None = None
    epsilon: PosFloat
    fixed_rounds: PosInt
    protocol: dict[str, dict] = {}
    window: dict[str, PosInt] | None = {}
    horizon: PosInt
    fit_stride: _per_dataset(PosInt) = 1
    budget: Budget
    checkpoint_every: Annotated[float, Field(ge=0)] = 0
    lr: LearningRates
    model_kwargs: dict[str, dict] = {}
    link: Link
    sweep: Sweep

    @field_validator("models")
    @classmethod
    def _models_known(cls, value):
        return _known_models(value)


class SeriesChoice(Strict):
    rule: Literal["shortest_per_family", "stratified", "ids"]
    n: PosInt | None = None
    seed: NonNegInt = 0
    ids: list[PosInt] | None = None


class Detector(Strict):
    model: str
    training: Literal["centralised", "federated", "none"] = "none"
    federated: FederatedBlock | None = None


class Ucr(_HasFederated, Base):
    experiment: Literal["ucr"]
    series: SeriesChoice
    reference_series: SeriesChoice | None = None
    protocol: dict[str, Any] = {}
    max_fit_windows: PosInt
    checkpoint_every: Annotated[float, Field(ge=0)] = 0
    budget: Budget
    lr: LearningRates
    train: Train
    detectors: dict[str, Detector] = Field(min_length=1)
    model_kwargs: dict[str, dict] = {}

    @field_validator("protocol")
    @classmethod
    def _protocol_fields(cls, value):
        from dataclasses import fields

        from fedad.detection.ucr_protocol import UcrSettings

        known = {f.name for f in fields(UcrSettings)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown protocol settings {unknown}; known: {sorted(known)}")
        return value


class TuneRhoBudget(Strict):
    val_fraction: Fraction
    max_epochs: PosInt
    patience: NonNegInt
    min_epochs: NonNegInt = 0
    eval_every: Annotated[float, Field(ge=0)] = 0  # epochs between validation checks (0: every epoch)


class LrControl(Strict):
    dataset: str
    lr: PosFloat
    rho: Annotated[float, Field(gt=0, le=100)]


class TuneRho(_HasFederated, Base):
    experiment: Literal["tune_rho"]
    datasets: list[str] = Field(min_length=1)
    rhos: list[Annotated[float, Field(gt=0, le=100)]] = Field(min_length=1)
    model: dict[str, Any] = {}
    epochs: PosInt | None = None
    checkpoint_every: Annotated[float, Field(ge=0)] = 0
    budget: TuneRhoBudget | None = None
    dataset_overrides: dict[str, dict] = {}
    lr_control: list[LrControl] = []


class Workload(Strict):
    model: str
    lr: PosFloat
    batch_size: PosInt


class Compressors(_HasFederated, Base):
    experiment: Literal["compressors"]
    budgets: dict[str, list[PosInt]]
    workloads: dict[str, Workload]
    compressors: dict[str, dict]


SCHEMAS: dict[str, type[Base]] = {"detect": Detect, "comm": Comm, "ucr": Ucr, "tune_rho": TuneRho,
                                  "compressors": Compressors}


def _key_path(loc: tuple, cfg: dict) -> str:
    """The config keys of an error's location, without pydantic's union and type tags (``constrained-int``,
    ``dict[str,...]``, ``function-before[...]``)."""
    parts, node = [], cfg
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            parts.append(f"[{part}]")
        elif isinstance(node, dict) and part in node:
            node = node[part]
            parts.append(str(part))
        elif isinstance(part, str) and part.isidentifier():  # a missing or unknown key (not in the mapping)
            node = None
            parts.append(part)
    return ".".join(parts).replace(".[", "[")


def _first_error(exc: ValidationError, cfg: dict) -> str:
    # of a union's branches (one value or a per-data-set mapping), the one that got deepest is the one meant
    err = max(exc.errors(), key=lambda e: len(e["loc"]))
    key = _key_path(err["loc"], cfg)
    message = err["msg"].removeprefix("Value error, ").split(" (got FederatedConfig(")[0]
    if err["type"] == "extra_forbidden":
        return f"unknown key {key!r}"
    if err["type"] == "missing":
        return f"{key!r} is missing"
    if not key:
        return message
    if isinstance(err.get("input"), dict | list):  # a whole block: its key and the problem say enough
        return f"{key}: {message}"
    return f"{key} = {err.get('input')!r}: {message}"


def check_config(experiment: str, cfg: dict, source: str) -> dict:
    """``cfg`` if it fits ``experiment``'s schema; otherwise raise :class:`ConfigError`
    with one line: the source, the key, the value and what is allowed."""
    schema = SCHEMAS.get(experiment)
    if schema is None:
        return cfg
    try:
        schema.model_validate(cfg)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc, cfg)}".replace("\n", " ")) from None
    except (TypeError, ValueError) as exc:  # a nested check that raised outside pydantic
        raise ConfigError(f"{source}: {exc}".replace("\n", " ")) from None
    return cfg
