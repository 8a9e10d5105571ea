import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedad.compression.base import Compressed
from fedad.compression.codec import CodecError, decode_for, encode, encode_dense
from fedad.federated.aggregator import CloudAggregator
from fedad.federated.flat import flat_params
from fedad.federated.loop import FederatedTrainer
from fedad.federated.messages import UpdateMessage
from tests.codec_strategies import delta_indices, handmade, hostile_payloads, random_update
from tests.fl_helpers import blob_task, cfg, mlp


def _msg(wid, values, n=10):
    return UpdateMessage(wid, 0, encode(Compressed(values, None, values.numel(), "fp32")), n, 0.0, 0.0)


def test_fedavg_adds_the_mean_delta_eq4():
    model = torch.nn.Linear(2, 1)
    agg = CloudAggregator(model, cfg(mode="fedavg", memory="residual", compressor="none"))
    start = flat_params(model).clone()
    agg.aggregate([_msg("a", torch.ones(3)), _msg("b", 3 * torch.ones(3))], 0)
    torch.testing.assert_close(flat_params(model), start + 2.0)


def test_sample_weighting_weights_by_partition_size():
    model = torch.nn.Linear(2, 1)
    agg = CloudAggregator(model, cfg(mode="fedavg", memory="residual", compressor="none", weighting="samples"))
    start = flat_params(model).clone()
    agg.aggregate([_msg("a", torch.zeros(3), n=30), _msg("b", 4 * torch.ones(3), n=10)], 0)
    torch.testing.assert_close(flat_params(model), start + 1.0)


def test_dsgd_steps_against_the_mean_gradient_eq12():
    model = torch.nn.Linear(2, 1)
    agg = CloudAggregator(model, cfg(compressor="none", lr=0.5, memory="momentum"))
    start = flat_params(model).clone()
    agg.aggregate([_msg("a", torch.ones(3)), _msg("b", torch.ones(3))], 0)
    torch.testing.assert_close(flat_params(model), start - 0.5)


def test_wrong_size_update_is_rejected():
    agg = CloudAggregator(torch.nn.Linear(2, 1), cfg(compressor="none"))
    with pytest.raises(ValueError, match="entries"):
        agg.decode_update(_msg("a", torch.ones(4)))
    with pytest.raises(TypeError):
        agg.decode_update(torch.ones(3))


def test_aggregator_receives_only_encoded_messages_and_holds_no_samples(monkeypatch):
    task = blob_task()
    trainer = FederatedTrainer(task, mlp, cfg(rounds=3), seed=0)
    seen = []
    original = trainer.aggregator.aggregate

    def spy(messages, round_idx):
        seen.extend(messages)
        return original(messages, round_idx)

    monkeypatch.setattr(trainer.aggregator, "aggregate", spy)
    trainer.run(progress=False)
    dense_bytes = 4 * trainer.n_params
    for m in seen:
        assert type(m) is UpdateMessage and type(m.payload) is bytes
        assert {type(getattr(m, f)) for f in ("worker_id", "round", "n_samples", "loss", "compute_s")} <= {str, int, float}
        assert len(m.payload) <= dense_bytes + 16  # an update, never a batch of samples
    train_bytes = task.x_train.numel() * 4
    assert len(seen) == 12 and sum(len(m.payload) for m in seen) < train_bytes
    # nothing the aggregator keeps is (or views) the training data
    for value in vars(trainer.aggregator).values():
        tensors = [value] if isinstance(value, torch.Tensor) else []
        if isinstance(value, torch.nn.Module):
            tensors = list(value.parameters()) + list(value.buffers())
        for t in tensors:
            assert t.untyped_storage().data_ptr() != task.x_train.untyped_storage().data_ptr()
            assert t.shape != task.x_train.shape


def test_two_way_sparsification_sends_k_entries_and_keeps_the_rest():
    from fedad.compression.codec import decode
    from fedad.federated.config import FederatedConfig

    torch.manual_seed(0)
    model = torch.nn.Linear(100, 10)  # 1010 parameters
    config = FederatedConfig(n_workers=2, rho=10.0, downlink_rho=1.0, lr=1.0, momentum=0.0, memory="residual")
    agg = CloudAggregator(model, config)
    before = flat_params(model).clone()
    deltas = []
    for r in range(3):
        msgs = [UpdateMessage(f"w{k}", r, encode(Compressed(torch.randn(1010), None, 1010, "fp32")), 1, 0.0, 0.0)
                for k in range(2)]
        broadcast, _ = agg.aggregate(msgs, r)
        sent = decode(broadcast.payload)
        assert sent.nnz == 11  # ceil(1 % of 1010)
        deltas.append(-torch.stack([agg.decode_update(m) for m in msgs]).mean(0))
    # what the workers received plus what the aggregator still holds is the whole change
    assert torch.allclose(flat_params(model) - before + agg.residual, torch.stack(deltas).sum(0), atol=1e-4)


def test_sparse_updates_average_bit_for_bit_like_their_dense_stack():
    torch.manual_seed(0)
    model = torch.nn.Linear(200, 10)  # 2010 parameters
    agg = CloudAggregator(model, cfg(compressor="topk", rho=5.0, lr=1.0, momentum=0.0, memory="residual",
                                     weighting="samples", value_format="fp32"))
    before = flat_params(model).clone()
    msgs, dense, sizes = [], [], [37, 50, 81, 12]
    for k, n in enumerate(sizes):  # overlapping index sets, magnitudes far apart
        idx, _ = torch.sort(torch.randperm(2010)[:101])
        values = torch.randn(101) * 10.0 ** (k - 2)
        msgs.append(UpdateMessage(f"w{k}", 0, encode(Compressed(values, idx, 2010, "fp32")), n, 0.0, 0.0))
        dense.append(torch.zeros(2010).index_put_((idx,), values))
    agg.aggregate(msgs, 0)
    w = torch.tensor([float(n) for n in sizes]) / sum(sizes)
    expected = (torch.stack(dense) * w[:, None]).sum(0)
    assert torch.equal(flat_params(model), before - expected)


# -- one bad device must not stop the round ------------------------------------------------------------

def test_the_three_payloads_that_crashed_a_round_are_dropped_with_a_reason():
    model = mlp()
    n = sum(p.numel() for p in model.parameters())
    agg = CloudAggregator(model, cfg(compressor="topk", memory="momentum"))
    valid = UpdateMessage("alice", 0, encode(Compressed(torch.ones(2), torch.tensor([0, 5]), n, "fp32")), 10, 0., 0.)
    hostile = {
        "mallory": handmade(1, 0, n, 2, delta_indices([0, 1_000_001]) + np.ones(2, "<f4").tobytes()),
        "oscar": handmade(1, 1, n, 2, b""),
        "trudy": handmade(1, 0, n, n + 5, b"\x00" * (n + 5) + np.ones(n + 5, "<f4").tobytes()),
    }
    messages = [valid] + [UpdateMessage(w, 0, p, 10, 0.0, 0.0) for w, p in hostile.items()]
    broadcast, dropped = agg.aggregate(messages, 0)
    assert broadcast is not None
    assert [w for w, _ in dropped] == list(hostile)
    assert all("rejected update" in why for _, why in dropped)


# 150 rounds, each with 1–3 valid uploads and 1–4 hostile ones (arbitrary bytes or damaged valid uploads).
@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_a_round_drops_exactly_the_invalid_uploads_and_equals_the_round_over_the_valid_ones(data):
    fmt = data.draw(st.sampled_from(["fp32", "fp16"]))
    model = mlp()
    n = sum(p.numel() for p in model.parameters())
    config = cfg(compressor="topk", memory="momentum", value_format=fmt, rho=20.0)
    n_valid = data.draw(st.integers(1, 3), label="valid uploads")
    valid = [UpdateMessage(f"v{k}", 0, random_update(n, 20.0, data.draw(st.integers(0, 10**6)), fmt), 10, 0., 0.)
             for k in range(n_valid)]
    hostile, certainly_invalid = [], set()
    for k in range(data.draw(st.integers(1, 4), label="hostile uploads")):
        payload, invalid = data.draw(hostile_payloads(data.draw(st.sampled_from(valid)).payload))
        hostile.append(UpdateMessage(f"h{k}", 0, payload, 10, 0.0, 0.0))
        if invalid:
            certainly_invalid.add(f"h{k}")
    messages = data.draw(st.permutations(valid + hostile))

    def accepted(m):
        try:
            decode_for(m.payload, n)
            return True
        except CodecError:
            return False

    agg = CloudAggregator(model, config)
    reference = CloudAggregator(copy.deepcopy(model), config)
    _, dropped = agg.aggregate(messages, 0)
    reference.aggregate([m for m in messages if accepted(m)], 0)
    dropped_ids = [w for w, _ in dropped]
    assert dropped_ids == [m.worker_id for m in messages if not accepted(m)]
    assert certainly_invalid <= set(dropped_ids) and not set(dropped_ids) & {m.worker_id for m in valid}
    assert all(why for _, why in dropped)
    assert torch.equal(flat_params(agg.model), flat_params(reference.model))


def test_corrupt_batchnorm_statistics_are_left_out_of_the_average():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    agg = CloudAggregator(model, cfg(compressor="none"))
    good = encode_dense(torch.tensor([1.0, 3.0, 5.0, 7.0]))
    agg.sync_buffers([good, b"FD\x01\x00\x00\x04", encode_dense(torch.ones(3)), good])
    assert model[1].running_mean.tolist() == [1.0, 3.0] and model[1].running_var.tolist() == [5.0, 7.0]
