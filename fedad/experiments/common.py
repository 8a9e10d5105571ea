"""What every experiment script shares: profile configs, cached runs, parallel jobs, logging.

A run is a plain dict config (hashable to a file name). ``run_cached`` skips a run whose result file
exists (``--force`` reruns it), passes the run a checkpoint store so an interrupted run resumes, and
writes the result atomically with provenance and wall time.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import torch
import yaml
from tqdm.auto import tqdm

from fedad import settings
from fedad.experiments.schema import ConfigError, check_config
from fedad.lifetime import watch_parent
from fedad.results import RESULTS_DIR, ResultStore, atomic_write_json, config_hash
from fedad.settings import PROFILES

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
log = logging.getLogger("fedad.reproduce")


def learning_rate(cfg: dict, model: str, training: str) -> float:
    """η of a model trained one way, from the config's ``lr`` table: ``model/training``, then ``model``,
    then ``default``; every experiment reads η so."""
    table = cfg.get("lr", {})
    family = f"{model}/{training}"
    for key in (family, model):
        if key in table:
            return float(table[key])
    if "default" in table:
        return float(table["default"])
    raise ConfigError(f"no learning rate for {family}: add it under 'lr' in the config")


def per_dataset(value, dataset: str):
    """A config value given once (``12``) or per data set (``{default: 12, space_shuttle: 60}``)."""
    if isinstance(value, dict):
        if dataset in value:
            return value[dataset]
        if "default" not in value:
            raise ConfigError(f"{value!r} names no value for {dataset} and no 'default'")
        return value["default"]
    return value


def load_config(experiment: str, profile: str, path: Path | None = None) -> dict:
    """The YAML config of an experiment for a profile (or an explicit file), checked for basics."""
    if profile not in PROFILES:
        raise ConfigError(f"profile must be one of {PROFILES}, got {profile!r}")
    path = Path(path) if path else CONFIG_DIR / profile / f"{experiment}.yaml"
    if not path.is_file():
        raise ConfigError(f"config file {path} not found")
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path} must hold a mapping, got {type(cfg).__name__}")
    if cfg.get("experiment") != experiment:
        raise ConfigError(f"{path} is for experiment {cfg.get('experiment')!r}, not {experiment!r}")
    cfg["profile"] = profile
    cfg["config_file"] = str(path)
    return check_config(experiment, cfg, str(path))


def apply_overrides(cfg: dict, overrides: list[str]) -> dict:
    """``key.sub=value`` overrides (YAML-parsed values) on a copy of a config."""
    cfg = copy.deepcopy(cfg)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} must look like key.sub=value")
        key, raw = item.split("=", 1)
        node = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                raise ConfigError(f"override {item!r}: {p!r} is not a section of the config")
            node = node[p]
        if parts[-1] not in node:
            raise ConfigError(f"override {item!r}: unknown key {parts[-1]!r}; known: {sorted(node)}")
        node[parts[-1]] = yaml.safe_load(raw)
    return cfg


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=PROFILES, default=settings.profile() or "quick",
                        help="quick: every figure on 2 CPU cores in minutes (short caps, few seeds); full: "
                             "converged, 3 seeds, every data set and control (hours); paper: the paper's "
                             "hyper-parameters (default: $FEDAD_PROFILE or quick)")
    parser.add_argument("--config", type=Path, default=None,
                        help="a YAML config file instead of fedad/experiments/configs/<profile>/<experiment>.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set federated.rounds=50 (repeatable)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds to run (default: the config's)")
    parser.add_argument("--force", action="store_true", help="rerun runs whose result file already exists")
    parser.add_argument("--jobs", type=int, default=settings.jobs(),
                        help="runs in parallel processes (each gets cores/jobs threads; default $FEDAD_JOBS or 1)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="results folder (default: results/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def parse_args(doc: str, argv: list[str] | None,
               extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """The command line every experiment script shares (its docstring is the --help text); ``extra`` adds a
    script's own options."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(parser)
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace, experiment: str) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    cfg = apply_overrides(load_config(experiment, args.profile, args.config), args.overrides)
    if args.seeds is not None:
        cfg["seeds"] = args.seeds
    if args.overrides or args.seeds is not None:
        cfg = check_config(experiment, cfg, "after --set/--seeds")
    return cfg


RunFn = Callable[[dict, ResultStore, bool], dict]


def federated_run(trainer, run: dict, store: ResultStore, progress: bool):
    """Run a federated trainer, resuming from and writing the run's checkpoint (every ``checkpoint_every``
    epochs of the run's config; 0 or absent: never)."""
    state = store.load_checkpoint(run)
    if state is not None:
        try:
            trainer.load_state_dict(state)
        except ValueError as exc:
            raise ValueError(f"{store.checkpoint_path(run)}: {exc}") from None
    return trainer.run(progress, checkpoint=lambda s: store.save_checkpoint(run, s),
                       checkpoint_every=run.get("checkpoint_every", 0), desc=run["label"])


def run_cached(experiment: str, run: dict, fn: RunFn, results: Path, force: bool = False,
               progress: bool = True) -> dict:
    """Run ``fn(run, store, progress)`` unless its result file exists; save and return the result."""
    store = ResultStore(experiment, results)
    if store.exists(run) and not force:
        return store.load(run)
    start = time.perf_counter()
    out = fn(run, store, progress)
    wall = time.perf_counter() - start
    path = store.save(run, out["metrics"], wall, out.get("records"), out.get("extra"))
    log.info("%s %s done in %.1fs -> %s", experiment, run.get("label", config_hash(run)), wall, path)
    return store.load(run)


def _worker_init(threads: int, parent: int) -> None:
    torch.set_num_threads(threads)
    watch_parent(parent)


def run_all(experiment: str, runs: list[dict], fn: RunFn, args: argparse.Namespace) -> list[dict]:
    """Run every config (cached), in ``args.jobs`` processes; returns the result dicts in order."""
    progress = not args.quiet
    started = time.time()
    todo = [r for r in runs if args.force or not ResultStore(experiment, args.results).exists(r)]
    log.info("%s: %d runs, %d cached, %d to run (profile %s)", experiment, len(runs), len(runs) - len(todo),
             len(todo), runs[0].get("profile") if runs else "?")
    if args.jobs > 1 and len(todo) > 1:
        threads = max(1, (os.cpu_count() or 1) // args.jobs)
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn"), initializer=_worker_init,
                                 initargs=(threads, os.getpid())) as pool:
            futures = [pool.submit(run_cached, experiment, r, fn, args.results, args.force, False) for r in todo]
            try:
                for f in tqdm(as_completed(futures), total=len(futures), desc=experiment, disable=not progress):
                    f.result()
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)  # the first failure ends the experiment now
                raise
    else:
        for r in tqdm(todo, desc=experiment, disable=not progress):
            run_cached(experiment, r, fn, args.results, args.force, progress)
    results = [run_cached(experiment, r, fn, args.results, False, False) for r in runs]
    if runs:  # what the figures draw: this config's runs, not stale files of an older config
        profile = runs[0].get("profile", "quick")
        atomic_write_json(Path(args.results) / experiment / f"_current_{profile}.json",
                          sorted(config_hash(r) for r in runs))
        if todo:  # `fedad profile` reads the stage's wall time beside its runs' own
            atomic_write_json(Path(args.results) / experiment / f"_stage_{profile}.json",
                              {"wall_s": time.time() - started, "jobs": args.jobs, "runs": len(runs),
                               "ran": len(todo), "cores": os.cpu_count()})
    return results


def profile_datasets(profile: str) -> list[str]:
    """The data sets the experiments of ``make reproduce`` read under a profile, from its config files."""
    from fedad.data import manifest
    from fedad.data.loaders import PAPER_SERIES
    from fedad.data.protocol import PROTOCOLS
    from fedad.data.status import UCR

    names: list[str] = list(PAPER_SERIES)  # Table I
    names += load_config("detect", profile)["datasets"]
    names.append(load_config("comm", profile)["dataset"])
    names += load_config("tune_rho", profile)["datasets"]
    names += list(load_config("compressors", profile)["workloads"])
    names.append(UCR)
    known = set(manifest.datasets())
    resolved = [PROTOCOLS[n].loader if n in PROTOCOLS else n for n in names]
    return [n for n in dict.fromkeys(resolved) if n in known]
