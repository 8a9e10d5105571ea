"""Settings of one federated run, with the paper's values (:mod:`fedad.paper`) as defaults where the paper gives them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from fedad.paper import CHOSEN_RHO, HYPERPARAMETERS

MODES = ("dsgd", "fedavg")


ENGINE_KINDS = ("serial", "threads", "processes", "vmap")  # fedad.federated.engines.KINDS builds these


@dataclass
class LinkConfig:
    """A modelled edge link (defaults: an IIoT device on an LTE-M / 4G-class cellular uplink).

    Uploads of the N workers run in parallel on their own links; the broadcast reaches all workers in
    parallel. Round link time = max_k(latency + 8·up_k / uplink) + latency + 8·down / downlink.
    """

    uplink_mbps: float = 1.0
    downlink_mbps: float = 10.0
    latency_ms: float = 50.0

    def __post_init__(self) -> None:
        if self.uplink_mbps <= 0 or self.downlink_mbps <= 0 or self.latency_ms < 0:
            raise ValueError(f"link needs positive bandwidths and non-negative latency: {self}")


@dataclass
class FederatedConfig:
    """One federated run.

    ``mode``: ``dsgd`` (Algorithm 1: every iteration each worker uploads a compressed gradient and the
    aggregator steps, Eq. 12) or ``fedavg`` (``local_steps`` of local SGD, then a compressed model delta,
    Eq. 4). ``rho`` is a percentage (0.3 keeps 0.3 % of the entries; 100 or ``compressor="none"`` sends
    everything as fp32). ``memory``: ``momentum`` (momentum correction, Eqs. 13–16; the aggregator then
    applies plain SGD), ``residual`` (local accumulation only; the aggregator applies momentum SGD) or
    ``none``. ``engine``: where the in-process workers' updates are computed (:mod:`fedad.federated.engines`)
    — ``serial`` (one worker at a time, the reference), ``threads`` (workers in parallel threads, one
    intra-op thread each), ``processes`` (workers held by one child process per core), ``vmap`` (dsgd:
    all workers' gradients in one ``torch.func.vmap`` pass) or ``auto`` (vmap on a GPU, threads on a
    CPU with two or more cores, else serial; see ``make bench``). Every engine gives the serial
    engine's numbers up to floating-point summation order (tested); Algorithm 1 is the same for all.
    ``compile``: the workers' replicas run through ``torch.compile`` (all engines but vmap; also ``FEDAD_COMPILE=1``), which fuses the small element-wise
    steps around the convolutions and the LSTM: faster steps after a compile of seconds per process, and
    the same numbers up to float rounding (tested to 1e-5 after a few rounds), not bit for bit.
    ``buffer_sync``: BatchNorm running statistics stay on each worker and are averaged into the global
    model densely (bytes counted) at each evaluation (``eval``) or every round (``round``).

    ``downlink_rho`` < 100 turns on two-way sparsification: the aggregator top-k's its broadcast too,
    keeping the unsent change in its own residual (off by default: the paper compresses uploads only; the
    broadcast is then the union of up to N·k entries).

    Local clipping (``clip_norm``, None = off): ``clip_at="accumulated"`` (default) is Algorithm 1's
    placement, step 2 (PAPER.md §2): the worker's *accumulated* buffer g_t^k (gradient plus everything not yet sent;
    with momentum correction the accumulated velocity) is scaled to norm ≤ ``clip_norm`` before top-k, and
    what is not sent stays clipped. ``clip_at="gradient"`` is Deep Gradient Compression's placement
    (Lin et al. 2018, §3.2): each new gradient is clipped *before* it enters the accumulator.
    """

    n_workers: int = HYPERPARAMETERS["n_workers"]
    mode: str = "dsgd"
    rounds: int = 100
    batch_size: int = HYPERPARAMETERS["batch_size"]
    lr: float = HYPERPARAMETERS["lr"]
    momentum: float = 0.9
    weight_decay: float = 0.0
    local_steps: int = 1
    compressor: str = "topk"
    rho: float = CHOSEN_RHO
    value_format: str = "fp16"
    memory: str = "momentum"
    clip_norm: float | None = None
    clip_at: str = "accumulated"
    downlink_rho: float = 100.0
    warmup_steps: int = 0
    factor_masking: bool = False
    weighting: str = "uniform"
    partition: str = "iid"
    dirichlet_alpha: float = 0.5
    engine: str = "auto"
    compile: bool = False
    buffer_sync: str = "eval"
    worker_timeout_s: float | None = None
    eval_every: int = 0
    link: LinkConfig = field(default_factory=LinkConfig)

    def __post_init__(self) -> None:
        # the names come from the registries that build the objects (imported here: they load torch); the
        # engines' registry imports this module, so it checks that it builds ENGINE_KINDS instead
        from fedad.compression import COMPRESSORS, MEMORIES

        if isinstance(self.link, dict):
            self.link = LinkConfig(**self.link)
        checks = [
            (self.mode in MODES, f"mode must be one of {MODES}"),
            (self.compressor in COMPRESSORS, f"compressor must be one of {tuple(COMPRESSORS)}"),
            (self.memory in MEMORIES, f"memory must be one of {tuple(MEMORIES)}"),
            (self.engine in ("auto", *ENGINE_KINDS), f"engine must be one of {('auto', *ENGINE_KINDS)}"),
            (isinstance(self.compile, bool), "compile must be true or false"),
            (self.weighting in ("uniform", "samples"), "weighting must be 'uniform' or 'samples'"),
            (self.buffer_sync in ("eval", "round"), "buffer_sync must be 'eval' or 'round'"),
            (self.clip_at in ("accumulated", "gradient"), "clip_at must be 'accumulated' or 'gradient'"),
            (self.clip_norm is None or self.clip_norm > 0, "clip_norm must be > 0 (or None: no clipping)"),
            (self.n_workers >= 1, "n_workers must be >= 1"),
            (self.rounds >= 1, "rounds must be >= 1"),
            (self.batch_size >= 1, "batch_size must be >= 1"),
            (self.lr > 0, "lr must be > 0"),
            (0 <= self.momentum < 1, "momentum must be in [0, 1)"),
            (0 < self.rho <= 100, "rho is a percentage in (0, 100]"),
            (0 < self.downlink_rho <= 100, "downlink_rho is a percentage in (0, 100]"),
            (self.local_steps >= 1, "local_steps must be >= 1"),
            (not (self.mode == "fedavg" and self.memory == "momentum"),
             "momentum correction applies to gradients (dsgd); use memory 'residual' with fedavg"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"FederatedConfig: {message} (got {self})")

    @property
    def compresses(self) -> bool:
        """False when every entry goes as fp32 (the "without GCM" runs)."""
        from fedad.compression import sends_dense

        return not sends_dense(self.compressor, self.rho)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FederatedConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown federated settings {unknown}; known: {sorted(known)}")
        return cls(**data)
