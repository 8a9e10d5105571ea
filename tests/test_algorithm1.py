"""Algorithm 1, written once: the stored reference of the code before the redesign, and the pass itself."""

import json
import sys
from pathlib import Path

import pytest
import torch

from fedad.compression.codec import decode
from fedad.federated.algorithm1 import Algorithm1, rows_finite
from tests.fl_helpers import cfg
from tests.reference.make_algorithm1_reference import CASES, PARALLEL, cpu_fingerprint, run_case

STORED = json.loads((Path(__file__).parent / "reference" / "algorithm1_reference.json").read_text())
REFERENCE = STORED["runs"]


@pytest.fixture(scope="module", autouse=True)
def reference_threads():
    """The stored runs were made with two intra-op threads (a BatchNorm reduction's order depends on how many),
    whatever a test worker uses."""
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(old)


class UnknownMachine(LookupError):
    """No stored set was made on a machine with this one's fingerprint (nor reproduces its dense run, among
    the sets stored before fingerprints were recorded)."""


class DensePathChanged(AssertionError):
    """A stored set has this machine's fingerprint, but today's dense run does not give its uploads."""


def choose_reference(stored_machines: list[dict], fingerprint: dict, dense_rounds: list[str]) -> dict:
    """The stored ``loop`` runs made on a machine with this one's floating-point kernels.

    Bit-for-bit sums differ between CPUs (the kernels' instruction sets change the order of additions), so
    each machine type has its own stored set, made from commit 34c7082's code on it, under the machine's
    :func:`cpu_fingerprint`. A set with this machine's fingerprint must give today's dense run (the plain
    gradients, through the dense path of Algorithm 1): if it does not, the dense path changed, and that is
    :class:`DensePathChanged`, never a reason to look for another set."""
    known = [m for m in stored_machines if m.get("fingerprint") == fingerprint]
    for machine in known:
        if machine["loop"]["dense"]["rounds"] == dense_rounds:
            return machine["loop"]
    if known:
        raise DensePathChanged(
            f"the dense path changed on a known machine: the stored set {known[0]['cpu']!r} has this machine's "
            f"fingerprint {fingerprint}, but today's dense run gives other uploads or broadcasts than it stored")
    # Sets stored before fingerprints were recorded ("fingerprint": null: the first set, made on a machine
    # nobody can name now) are still picked the old way, by their dense run: there is nothing else to tell
    # whether this machine is theirs. A set with a fingerprint is never picked so: on a machine whose
    # fingerprint it does not carry, a match by the dense run could be a coincidence of a changed code path.
    for machine in stored_machines:
        if machine.get("fingerprint") is None and machine["loop"]["dense"]["rounds"] == dense_rounds:
            return machine["loop"]
    raise UnknownMachine(f"no stored reference was made on a machine with this one's fingerprint {fingerprint}")


def add_a_set_command() -> str:
    """The shell command that appends this machine's set: the old code (ee81146, 34c7082's code) run through
    today's maker script, written into this checkout's stored file."""
    root = Path(__file__).resolve().parents[1]
    old = "/tmp/fedad-ee81146"
    return (f"cd {root} && rm -rf {old} && mkdir {old} && git archive ee81146 | tar -x -C {old} && "
            f"cp tests/reference/make_algorithm1_reference.py {old}/tests/reference/ && cd {old} && "
            f"PYTHONPATH=. {sys.executable} -m tests.reference.make_algorithm1_reference --add-machine "
            f"--into {root / 'tests' / 'reference' / 'algorithm1_reference.json'}")


def reference_or_skip(stored_machines: list[dict], fingerprint: dict,
                      dense_rounds: list[str]) -> dict | DensePathChanged:
    """The fixture's choice: the stored set, a skip on an unknown machine, or the failure, which each test
    raises in its body (:func:`stored_set`), so that the tests fail rather than error at setup."""
    try:
        return choose_reference(stored_machines, fingerprint, dense_rounds)
    except UnknownMachine as e:
        pytest.skip(f"{e}: add one with\n  {add_a_set_command()}")
    except DensePathChanged as e:
        return e


def stored_set(chosen: dict | DensePathChanged) -> dict:
    if isinstance(chosen, DensePathChanged):
        pytest.fail(str(chosen), pytrace=False)
    return chosen


@pytest.fixture(scope="module")
def this_machines_reference(reference_threads) -> dict | DensePathChanged:
    """The stored runs of the old code made on a machine with this one's floating-point kernels
    (:func:`choose_reference`)."""
    return reference_or_skip(STORED["machines"], cpu_fingerprint(), run_case("dense", "serial")["rounds"])


def test_a_changed_dense_path_on_a_known_machine_fails_the_reference_tests_and_does_not_skip_them(monkeypatch):
    """The test of the test: nudge every upload of the dense path by one unit in the last place; on a machine
    whose fingerprint a stored set carries, the bit-for-bit tests must fail, not skip."""
    fingerprint = cpu_fingerprint()
    honest = run_case("dense", "serial")["rounds"]
    known = [{"cpu": "this machine", "fingerprint": fingerprint, "loop": {"dense": {"rounds": honest}}}]
    assert stored_set(reference_or_skip(known, fingerprint, honest)) is known[0]["loop"]

    pack = Algorithm1.pack
    monkeypatch.setattr(Algorithm1, "pack", lambda self, rows, at=None: pack(
        self, torch.nextafter(rows, torch.full_like(rows, float("inf"))), at))
    nudged = run_case("dense", "serial")["rounds"]
    assert nudged != honest
    with pytest.raises(DensePathChanged, match="the dense path changed on a known machine"):
        choose_reference(known, fingerprint, nudged)
    if any(m["fingerprint"] == fingerprint for m in STORED["machines"]):  # and so with the stored file
        with pytest.raises(DensePathChanged):
            choose_reference(STORED["machines"], fingerprint, nudged)
    try:
        chosen = reference_or_skip(known, fingerprint, nudged)
    except pytest.skip.Exception:
        pytest.fail("a changed dense path on a known machine skipped the reference tests")
    with pytest.raises(pytest.fail.Exception, match="the dense path changed on a known machine"):
        stored_set(chosen)

    # an unknown machine is skipped with the command that adds its set, even if its dense run matches a set
    # with another fingerprint; only a set without one is still picked by its dense run
    other = {**fingerprint, "model_name": "another CPU"}
    with pytest.raises(pytest.skip.Exception, match="make_algorithm1_reference --add-machine"):
        reference_or_skip(known, other, honest)
    unattributed = [{"cpu": "unknown", "fingerprint": None, "loop": {"dense": {"rounds": honest}}}]
    assert choose_reference(unattributed, other, honest) is unattributed[0]["loop"]
    with pytest.raises(UnknownMachine):
        choose_reference(unattributed, other, nudged)


@pytest.mark.parametrize("name", sorted(set(CASES) - {"dense"}))
def test_the_serial_engine_gives_the_stored_references_uploads_broadcasts_and_weights_bit_for_bit(
        name, this_machines_reference):
    want = stored_set(this_machines_reference)[name]  # the engine was called "loop" when the reference was made
    got = run_case(name, "serial")
    assert got["rounds"] == want["rounds"]
    assert got["weights_sha256"] == want["weights_sha256"] and got["dropped"] == want["dropped"]


@pytest.mark.parametrize("engine, name", [(e, n) for e, names in PARALLEL.items() for n in names])
def test_the_parallel_engines_give_the_stored_weights_to_the_tolerance_they_had(engine, name):
    want = REFERENCE[engine][name]
    got = run_case(name, engine)
    torch.testing.assert_close(torch.tensor(got["weights"]), torch.tensor(want["weights"]), atol=1e-6, rtol=0)
    assert got["dropped"] == want["dropped"]


def _rows(n=4, p=300, seed=0):
    return torch.randn(n, p, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("kw", [
    {"memory": "momentum", "factor_masking": True, "clip_norm": 0.5, "value_format": "fp16"},
    {"memory": "residual", "clip_norm": 0.5, "clip_at": "gradient"},
    {"compressor": "randomk", "memory": "residual"},
    {"compressor": "qsgd", "memory": "residual"},
    {"compressor": "none", "memory": "none"},
    {"warmup_steps": 3, "rho": 1.0},
])
def test_a_workers_bytes_and_memory_do_not_depend_on_who_else_is_packed(kw):
    together, alone = Algorithm1(cfg(**kw), [0, 1, 2, 3]), Algorithm1(cfg(**kw), [2])
    for step in range(5):
        rows = _rows(seed=step) * (step + 1)
        assert together.pack(rows)[2] == alone.pack(rows[2:3])[0]
    for key, value in together.memory.state_dict().items():
        assert torch.equal(value[2], alone.memory.state_dict()[key][0])


def test_accumulation_loses_nothing_sent_plus_kept_is_everything_computed():
    algorithm1 = Algorithm1(cfg(memory="residual", rho=10.0, value_format="fp16"), [0, 1])
    total, sent = torch.zeros(2, 300), torch.zeros(2, 300)
    for step in range(6):
        rows = _rows(2, seed=step)
        total += rows
        sent += torch.stack([decode(p).to_dense() for p in algorithm1.pack(rows)])
    torch.testing.assert_close(sent + algorithm1.memory.residual, total, atol=1e-5, rtol=1e-5)
    assert all(int((decode(p).to_dense() != 0).sum()) == 30 for p in algorithm1.pack(_rows(2, seed=9)))


def test_a_non_finite_row_gives_nothing_and_leaves_its_worker_behind_untouched():
    algorithm1 = Algorithm1(cfg(memory="momentum"), [0, 1, 2])
    algorithm1.pack(_rows(3))
    before = {k: v.clone() for k, v in algorithm1.memory.state_dict().items()}
    rows = _rows(3, seed=1)
    rows[1, 7] = float("nan")
    payloads = algorithm1.pack(rows)
    assert payloads[1] is None and payloads[0] and payloads[2]
    assert algorithm1.steps == [2, 1, 2]
    for key, value in algorithm1.memory.state_dict().items():
        assert torch.equal(value[1], before[key][1]) and not torch.equal(value[0], before[key][0])
    # the worker behind is packed at its own step next round, beside the others at theirs
    again = Algorithm1(cfg(memory="momentum"), [1])
    again.pack(_rows(3)[1:2])
    assert algorithm1.pack(_rows(3, seed=2))[1] == again.pack(_rows(3, seed=2)[1:2])[0]
    assert algorithm1.steps == [3, 2, 3]


def test_state_round_trips_and_a_checkpoint_for_other_workers_is_refused():
    a, b = Algorithm1(cfg(compressor="randomk", memory="residual"), [5, 6]), None
    a.pack(_rows(2))
    b = Algorithm1(cfg(compressor="randomk", memory="residual"), [5, 6])
    b.load_state_dict(a.state_dict())
    assert a.pack(_rows(2, seed=3)) == b.pack(_rows(2, seed=3))
    with pytest.raises(ValueError, match="checkpoint of 2 workers"):
        Algorithm1(cfg(), [1, 2, 3]).load_state_dict(a.state_dict())
    with pytest.raises(ValueError, match="one worker per row"):
        a.pack(_rows(2), at=[0])


def test_rows_finite_finds_nan_infinity_and_overflowing_rows():
    rows = torch.ones(4, 5)
    rows[1, 2], rows[2, 0] = float("nan"), float("-inf")
    rows[3] = 3e38  # finite entries whose sum overflows
    assert rows_finite(rows) == [True, False, False, True]
