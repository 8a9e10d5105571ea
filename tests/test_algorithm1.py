"""Algorithm 1, written once: the stored reference of the code before the redesign, and the pass itself."""

import json
from pathlib import Path

import pytest
import torch

from fedad.compression.codec import decode
from fedad.federated.algorithm1 import Algorithm1, rows_finite
from tests.fl_helpers import cfg
from tests.reference.make_algorithm1_reference import CASES, PARALLEL, run_case

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


@pytest.fixture(scope="module")
def this_machines_reference(reference_threads) -> dict:
    """The stored runs of the old code made on a machine with this one's floating-point kernels.

    Bit-for-bit sums differ between CPUs (the kernels' instruction sets change the order of additions),
    so each machine type has its own stored set, made from commit 34c7082's code on it. The dense case,
    whose uploads are the plain gradients, tells which set this machine reproduces."""
    dense = run_case("dense", "serial")["rounds"]
    for machine in STORED["machines"]:
        if machine["loop"]["dense"]["rounds"] == dense:
            return machine["loop"]
    pytest.skip("no stored reference was made on a machine with this one's floating-point kernels: add one with "
                "tests/reference/make_algorithm1_reference.py on a checkout of ee81146 (the code of 34c7082)")


@pytest.mark.parametrize("name", sorted(set(CASES) - {"dense"}))
def test_the_serial_engine_gives_the_stored_references_uploads_broadcasts_and_weights_bit_for_bit(
        name, this_machines_reference):
    want = this_machines_reference[name]  # the engine was called "loop" when the reference was made
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
